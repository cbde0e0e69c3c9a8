//! How long the engine's reads take, one after another on one connection:
//! `cargo run --release -p casefile-store-postgres --example pg_latency -- URL WORKSPACE`.
use casefile_store::Store;
use casefile_store_postgres::PgStore;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, ws) = (&args[1], &args[2]);
    raw(url);
    let s = PgStore::open(url, ws).expect("open");
    let id = s.case_by_handle(1).unwrap().expect("case 1");
    for (what, f) in [
        (
            "case_by_handle",
            &(|| {
                let _ = s.case_by_handle(1).unwrap();
            }) as &dyn Fn(),
        ),
        ("case", &|| drop(s.case(id).unwrap())),
        ("read_stream", &|| drop(s.read_stream(id).unwrap())),
        ("list_cases", &|| {
            drop(s.list_cases(&Default::default()).unwrap())
        }),
    ] {
        let n = 500;
        let t = std::time::Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "{what}: {:.0} us each",
            t.elapsed().as_micros() as f64 / n as f64
        );
    }
}

#[allow(dead_code)]
fn raw(url: &str) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let st = c
        .prepare("SELECT id, stream, seq, at, recorded, author, event, prev, hash FROM entries WHERE workspace = (SELECT workspace FROM workspaces WHERE name = 'w0') AND stream = (SELECT id FROM cases LIMIT 1) ORDER BY seq")
        .unwrap();
    let n = 500;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let rows = c.query(&st, &[]).unwrap();
        assert!(!rows.is_empty());
    }
    println!(
        "raw entries query: {:.0} us each",
        t.elapsed().as_micros() as f64 / n as f64
    );
}
