//! TODO
use super::Builder;
use crate::error::InputError;
use std::path::Path;
pub fn load_app(_b: &mut Builder, _path: &Path) -> Result<(), InputError> {
    Ok(())
}
