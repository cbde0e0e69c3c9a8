//! A long read of entries or items on two threads: this one steps SQLite and
//! copies each row's columns out, another parses them (the JSON, the times,
//! the ids) while the next rows are read. Each side is about half of the
//! read, so a long journal is read in a little over half the time; the
//! result is the same entries or items, in the same order, as a read on one
//! thread gives.

use std::sync::mpsc;

use casefile_core::{CaseItem, Entry, ItemKind};
use casefile_store::{Result, StoreError};
use rusqlite::types::ValueRef;

use crate::{IdCache, engine};

/// Rows handed over at a time: large enough that the hand-over is rare,
/// small enough that the parser starts early and the copies stay in cache.
const BATCH_ROWS: usize = 128;

/// Below this many entries a second thread costs more than it saves.
pub(crate) const MIN_ROWS: usize = 256;

/// Items read on this thread before the rest go to another (how many a
/// read will find is not known before).
pub(crate) const ITEMS_ALONE: usize = BATCH_ROWS;

/// Whether a read of about `rows` entries is worth splitting.
pub(crate) fn worth_it(rows: usize) -> bool {
    rows >= MIN_ROWS && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// Where one row's columns lie in its batch's bytes.
struct Spans {
    /// id, stream, at, recorded, author, event, prev, hash.
    text: [(u32, u32); 8],
    series: Option<(u32, u32)>,
    seq: i64,
    n: Option<i64>,
}

/// Rows' columns copied out of SQLite, back to back.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    rows: Vec<Spans>,
}

impl Batch {
    fn clear(&mut self) {
        self.bytes.clear();
        self.rows.clear();
    }

    fn copy(&mut self, v: ValueRef<'_>, column: &str) -> Result<(u32, u32)> {
        let ValueRef::Text(t) = v else {
            return Err(StoreError::Corrupt(format!(
                "an entry's {column} is not text ({})",
                v.data_type()
            )));
        };
        let start = self.bytes.len();
        self.bytes.extend_from_slice(t);
        let end = self.bytes.len();
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(s), Ok(e)) => Ok((s, e)),
            _ => Err(StoreError::Corrupt("an entry too large to read".into())),
        }
    }

    /// Copies a row in [`ENTRY_COLUMNS`](casefile_store::codec::ENTRY_COLUMNS) order.
    fn push(&mut self, r: &rusqlite::Row<'_>) -> Result<()> {
        const NAMES: [(usize, &str); 8] = [
            (0, "id"),
            (1, "stream"),
            (3, "time"),
            (4, "time recorded"),
            (5, "author"),
            (6, "event"),
            (7, "previous hash"),
            (8, "hash"),
        ];
        let mut text = [(0, 0); 8];
        for (slot, (column, name)) in text.iter_mut().zip(NAMES) {
            *slot = self.copy(r.get_ref(column).map_err(engine)?, name)?;
        }
        let series = match r.get_ref(9).map_err(engine)? {
            ValueRef::Null => None,
            v => Some(self.copy(v, "series")?),
        };
        self.rows.push(Spans {
            text,
            series,
            seq: r.get(2).map_err(engine)?,
            n: r.get(10).map_err(engine)?,
        });
        Ok(())
    }

    /// Parses the batch's rows onto `out`.
    fn parse(&self, out: &mut Vec<Entry>, ids: &mut IdCache) -> Result<()> {
        let all = std::str::from_utf8(&self.bytes)
            .map_err(|e| StoreError::Corrupt(format!("an entry's text is not UTF-8: {e}")))?;
        let at = |(s, e): (u32, u32)| {
            all.get(s as usize..e as usize)
                .ok_or_else(|| StoreError::Corrupt("an entry's text is not UTF-8".into()))
        };
        for row in &self.rows {
            let mut text = [""; 8];
            for (slot, span) in text.iter_mut().zip(row.text) {
                *slot = at(span)?;
            }
            let series = row.series.map(at).transpose()?;
            let e = ids.entry(text, row.seq, series, row.n)?;
            out.push(e);
        }
        Ok(())
    }
}

/// Every row of `rows` as an entry, onto `out`.
pub(crate) fn read(rows: rusqlite::Rows<'_>, mut out: Vec<Entry>) -> Result<Vec<Entry>> {
    let mut ids = IdCache::default();
    split(
        rows,
        Batch::push,
        |b: &Batch| b.rows.len(),
        move |b: &mut Batch| {
            let mut parsed = Vec::with_capacity(b.rows.len());
            b.parse(&mut parsed, &mut ids)?;
            b.clear();
            Ok(parsed)
        },
        &mut |mut parsed| out.append(&mut parsed),
    )?;
    Ok(out)
}

/// The driver of both reads: this thread copies rows into batches, another
/// parses each batch, and what it parsed is handed to `deliver` here, batch
/// by batch in the order read. A parse that fails stops both; its error is
/// the one returned.
fn split<B: Default + Send, T: Send>(
    mut rows: rusqlite::Rows<'_>,
    copy: impl Fn(&mut B, &rusqlite::Row<'_>) -> Result<()>,
    len: impl Fn(&B) -> usize,
    mut parse: impl FnMut(&mut B) -> Result<Vec<T>> + Send,
    deliver: &mut dyn FnMut(Vec<T>),
) -> Result<()> {
    std::thread::scope(|s| {
        // Two batches in flight at most; each comes back emptied with what
        // it held parsed, to be filled again, so the copies take the same
        // few pages throughout.
        let (full, to_parse) = mpsc::sync_channel::<B>(2);
        let (parsed, done) = mpsc::channel::<(Vec<T>, B)>();
        let parser = s.spawn(move || -> Result<()> {
            for mut batch in to_parse {
                let items = parse(&mut batch)?;
                // The reader stops listening only once it has stopped.
                let _ = parsed.send((items, batch));
            }
            Ok(())
        });
        let mut spare = Vec::new();
        let mut hand = |(items, batch): (Vec<T>, B), spare: &mut Vec<B>| {
            deliver(items);
            spare.push(batch);
        };
        let copied = (|| -> Result<()> {
            let mut batch = B::default();
            while let Some(r) = rows.next().map_err(engine)? {
                copy(&mut batch, r)?;
                if len(&batch) == BATCH_ROWS {
                    while let Ok(got) = done.try_recv() {
                        hand(got, &mut spare);
                    }
                    let next = spare.pop().unwrap_or_default();
                    if full.send(std::mem::replace(&mut batch, next)).is_err() {
                        // The parser stopped on an error, which its join gives.
                        return Ok(());
                    }
                }
            }
            if len(&batch) > 0 {
                let _ = full.send(batch);
            }
            Ok(())
        })();
        drop(full);
        // Every batch parsed before the parser ended (or stopped on an
        // error) is handed over in order.
        for got in done.iter() {
            hand(got, &mut spare);
        }
        let result = parser
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        copied?;
        result
    })
}

/// Items' kinds and texts copied out of SQLite, back to back.
#[derive(Default)]
struct ItemBatch {
    bytes: Vec<u8>,
    /// Each item's kind and the end of its text.
    rows: Vec<(ItemKind, usize)>,
}

impl ItemBatch {
    fn push(&mut self, r: &rusqlite::Row<'_>) -> Result<()> {
        let kind = item_kind(r)?;
        let ValueRef::Text(t) = r.get_ref(1).map_err(engine)? else {
            return Err(unreadable(&"it is not text"));
        };
        self.bytes.extend_from_slice(t);
        self.rows.push((kind, self.bytes.len()));
        Ok(())
    }

    fn parse(&self) -> Result<Vec<CaseItem>> {
        let all = std::str::from_utf8(&self.bytes).map_err(|e| unreadable(&e))?;
        let mut start = 0;
        let mut out = Vec::with_capacity(self.rows.len());
        for &(kind, end) in &self.rows {
            let body = all
                .get(start..end)
                .ok_or_else(|| unreadable(&"its text is not UTF-8"))?;
            out.push(CaseItem::from_body(kind, body).map_err(|e| unreadable(&e))?);
            start = end;
        }
        Ok(out)
    }
}

pub(crate) fn unreadable(e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("a case's item cannot be read: {e}"))
}

/// A row's item kind, as the engine holds it.
pub(crate) fn item_kind(r: &rusqlite::Row<'_>) -> Result<ItemKind> {
    let kind = r
        .get_ref(0)
        .and_then(|v| Ok(v.as_str()?))
        .map_err(|e| unreadable(&e))?;
    ItemKind::parse(kind).ok_or_else(|| unreadable(&format!("no kind of item is called {kind:?}")))
}

/// The rest of `rows` (kind, item) handed to `each` in order, parsed on
/// another thread while the next rows are read.
pub(crate) fn items(rows: rusqlite::Rows<'_>, each: &mut dyn FnMut(CaseItem)) -> Result<()> {
    split(
        rows,
        ItemBatch::push,
        |b: &ItemBatch| b.rows.len(),
        |b: &mut ItemBatch| {
            let items = b.parse()?;
            b.bytes.clear();
            b.rows.clear();
            Ok(items)
        },
        &mut |items| items.into_iter().for_each(&mut *each),
    )
}
