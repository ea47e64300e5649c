//! `lambdaless validate`.

/// Arguments of `lambdaless validate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`validate` is not built yet")
}
