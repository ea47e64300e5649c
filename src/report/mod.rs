//! Reports for people (text tables, Markdown, HTML) and for tools (versioned JSON, SARIF).
