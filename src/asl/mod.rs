//! Amazon States Language: the definition model, JSONPath and reference paths, intrinsic
//! functions, Choice rules, JSONata, and static validation.
