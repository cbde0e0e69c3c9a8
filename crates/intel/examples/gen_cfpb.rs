//! Writes a CFPB-shaped CSV of N rows for benchmarks: the real rows of
//! shared/data/cfpb/complaints-sample.csv over and over, each with a fresh
//! Complaint ID and its year moved, so narratives stay real.
//!
//! cargo run --release -p casefile-intel --example gen_cfpb -- N OUT.csv [SAMPLE.csv]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|v| v.parse().ok()).expect("N rows");
    let out = args.get(2).expect("OUT.csv");
    let sample = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| "../shared/data/cfpb/complaints-sample.csv".into());
    let mut r = csv::Reader::from_path(&sample).expect("sample CSV");
    let headers = r.headers().expect("headers").clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    let id_col = headers
        .iter()
        .position(|h| h == "Complaint ID")
        .expect("Complaint ID column");
    let date_col = headers.iter().position(|h| h == "Date received");
    let mut w = csv::Writer::from_path(out).expect("output");
    w.write_record(&headers).expect("write");
    for i in 0..n {
        let src = &rows[(i as usize) % rows.len()];
        let lap = i / rows.len() as u64;
        let fields: Vec<String> = src
            .iter()
            .enumerate()
            .map(|(c, v)| {
                if c == id_col {
                    (10_000_000 + i).to_string()
                } else if Some(c) == date_col && v.len() >= 4 {
                    // Spread the laps over the years 2011-2024.
                    let year = 2011 + ((v[..4].parse::<u64>().unwrap_or(2018) + lap) % 14);
                    // 29 February does not move to every year.
                    let rest = if &v[4..] == "-02-29" {
                        "-02-28"
                    } else {
                        &v[4..]
                    };
                    format!("{year}{rest}")
                } else {
                    v.to_string()
                }
            })
            .collect();
        w.write_record(&fields).expect("write");
    }
    w.flush().expect("flush");
}
