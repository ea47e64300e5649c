//! `lambdaless test-state`.

/// Arguments of `lambdaless test-state`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`test-state` is not built yet")
}
