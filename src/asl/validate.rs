//! Static validation of a definition (`lambdaless validate`), with JSON-pointer locations.
//! Owned by the path/intrinsics work (issue 3).
