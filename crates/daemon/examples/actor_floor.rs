//! What one empty ractor actor costs resident (the idle-memory floor in BENCHMARKS.md): spawns N
//! actors that do nothing and prints the growth of RssAnon per actor. Run with
//! `just actor-floor` (a release build; N defaults to 10 000).

use ractor::{Actor, ActorProcessingErr, ActorRef};

struct Empty;

impl Actor for Empty {
    type Msg = ();
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<()>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }
}

/// RssAnon of this process in kB (heap and stacks: what the actors allocate).
fn rss_anon_kb() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))
        .ok_or_else(|| anyhow::anyhow!("no RssAnon in /proc/self/status"))?;
    let kb = line.split_whitespace().nth(1).unwrap_or_default();
    Ok(kb.parse()?)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 10_000,
    };
    let before = rss_anon_kb()?;
    let mut actors = Vec::with_capacity(n);
    for _ in 0..n {
        actors.push(Actor::spawn(None, Empty, ()).await?.0);
    }
    let after = rss_anon_kb()?;
    let per_actor = (after.saturating_sub(before) * 1024) as f64 / n as f64;
    println!(
        "{n} empty actors: RssAnon +{} kB, {per_actor:.0} bytes per actor",
        after - before
    );
    for actor in actors {
        actor.stop(None);
    }
    Ok(())
}
