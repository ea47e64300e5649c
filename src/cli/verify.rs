//! `lambdaless verify`.

/// Arguments of `lambdaless verify`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`verify` is not built yet")
}
