//! `lambdaless audit`.

/// Arguments of `lambdaless audit`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`audit` is not built yet")
}
