use clap::Parser;
use lambdaless::cli::{dispatch, Cli};
use lambdaless::error::{exit, InputError};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version with exit 0 and usage errors with exit 2.
            let _ = e.print();
            std::process::exit(if e.use_stderr() {
                exit::INPUT
            } else {
                exit::OK
            });
        }
    };
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            // Bad input and anything else we could not complete are both exit 2.
            let _ = err.downcast_ref::<InputError>();
            exit::INPUT
        }
    };
    std::process::exit(code);
}
