//! TODO
use super::Builder;
use crate::error::InputError;
pub fn load_modules(_b: &mut Builder) -> Result<(), InputError> {
    Ok(())
}
