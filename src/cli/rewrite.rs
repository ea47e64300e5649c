//! `lambdaless rewrite`.

/// Arguments of `lambdaless rewrite`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`rewrite` is not built yet")
}
