//! TODO
use super::Builder;
use crate::error::InputError;
use std::path::Path;
pub fn load(_b: &mut Builder, _path: &Path) -> Result<(), InputError> {
    Ok(())
}
