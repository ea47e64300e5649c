//! `lambdaless run`.

/// Arguments of `lambdaless run`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`run` is not built yet")
}
