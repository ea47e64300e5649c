//! What removing a Lambda from a workflow saves each month: Lambda request and duration charges,
//! and for Express workflows the workflow duration the Lambda's run time added.
//!
//! Prices live here and only here (US East, N. Virginia). Source: ../shared/aws-facts.md §6
//! (research date 2026-05): AWS Lambda pricing page and "How AWS Pricing Works" whitepaper for
//! requests and x86 duration, AWS News Blog (2021-09-29) for Arm being 20% lower, the Step
//! Functions pricing page for Express duration. Free tiers and volume tiers are not applied:
//! the figures are the marginal cost of the invocations removed.

use serde::Serialize;

/// Date and source of the prices below, printed with every report.
pub const PRICES_AS_OF: &str = "2026-05";
pub const PRICES_SOURCE: &str =
    "AWS Lambda and AWS Step Functions pricing pages, us-east-1 (see aws-facts.md §6)";

/// USD per Lambda request ($0.20 per 1M).
pub const LAMBDA_REQUEST_USD: f64 = 0.20 / 1_000_000.0;
/// USD per GB-second, x86_64, first tier.
pub const LAMBDA_GB_SECOND_X86_USD: f64 = 0.000_016_666_7;
/// USD per GB-second, arm64, first tier (20% lower than x86).
pub const LAMBDA_GB_SECOND_ARM_USD: f64 = 0.000_013_333_4;
/// Express workflow duration, first tier: $0.06 per GB-hour.
pub const EXPRESS_GB_SECOND_USD: f64 = 0.06 / 3600.0;
/// Express memory is billed in 64 MB chunks; a small workflow uses the first chunk.
pub const EXPRESS_MEMORY_CHUNK_GB: f64 = 64.0 / 1024.0;

/// Lambda defaults when the template does not set them.
/// https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html (128 MB default),
/// https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html (3 s default).
pub const DEFAULT_MEMORY_MB: u64 = 128;
pub const DEFAULT_TIMEOUT_S: u64 = 3;

/// Inputs the templates do not give; each is stated in the report and can be changed.
#[derive(Debug, Clone, Serialize)]
pub struct Assumptions {
    /// Executions per month of each state machine (each runs each Task once).
    pub invocations_per_month: u64,
    /// Billed duration of one warm invocation of a forwarding Lambda (one SDK round trip).
    pub warm_duration_ms: u64,
    /// Extra time of a cold start (INIT), billed since 2025-08-01 for managed runtimes.
    pub cold_start_ms: u64,
    /// Share of invocations that are cold.
    pub cold_start_ratio: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            invocations_per_month: 1_000_000,
            warm_duration_ms: 100,
            cold_start_ms: 400,
            cold_start_ratio: 0.01,
        }
    }
}

/// The function's configuration that the charge depends on.
#[derive(Debug, Clone, Copy)]
pub struct FunctionConfig<'a> {
    pub memory_mb: Option<u64>,
    pub timeout_s: Option<u64>,
    pub architecture: Option<&'a str>,
    pub express: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Savings {
    pub monthly_usd: f64,
    /// The invocations per month the estimate is for (usage file, else `--invocations`).
    pub invocations_per_month: u64,
    pub requests_usd: f64,
    pub duration_usd: f64,
    /// Express workflows only: the workflow duration the Lambda's run time was billed for.
    pub express_duration_usd: f64,
    /// Time each execution no longer spends in the Lambda (warm, and on a cold start).
    pub latency_saved_ms_warm: u64,
    pub latency_saved_ms_cold: u64,
    pub memory_mb: u64,
    pub architecture: String,
}

pub fn estimate(cfg: FunctionConfig<'_>, a: &Assumptions) -> Savings {
    let memory_mb = cfg.memory_mb.unwrap_or(DEFAULT_MEMORY_MB);
    let timeout_ms = cfg.timeout_s.unwrap_or(DEFAULT_TIMEOUT_S) * 1000;
    let warm_ms = a.warm_duration_ms.min(timeout_ms);
    let cold_ms = (a.warm_duration_ms + a.cold_start_ms).min(timeout_ms);
    let arm = cfg.architecture == Some("arm64");
    let gb_s_price = if arm {
        LAMBDA_GB_SECOND_ARM_USD
    } else {
        LAMBDA_GB_SECOND_X86_USD
    };
    let n = a.invocations_per_month as f64;
    let mean_ms = warm_ms as f64 * (1.0 - a.cold_start_ratio) + cold_ms as f64 * a.cold_start_ratio;
    let gb = memory_mb as f64 / 1024.0;
    let requests_usd = n * LAMBDA_REQUEST_USD;
    let duration_usd = n * gb * (mean_ms / 1000.0) * gb_s_price;
    let express_duration_usd = if cfg.express {
        n * EXPRESS_MEMORY_CHUNK_GB * (mean_ms / 1000.0) * EXPRESS_GB_SECOND_USD
    } else {
        0.0
    };
    Savings {
        monthly_usd: round_cents(requests_usd + duration_usd + express_duration_usd),
        invocations_per_month: a.invocations_per_month,
        requests_usd: round_cents(requests_usd),
        duration_usd: round_cents(duration_usd),
        express_duration_usd: round_cents(express_duration_usd),
        latency_saved_ms_warm: warm_ms,
        latency_saved_ms_cold: cold_ms,
        memory_mb,
        architecture: if arm { "arm64" } else { "x86_64" }.to_string(),
    }
}

/// Measured invocations per month, from a usage file:
/// `{"functions": {"SaveOrderFunction": 250000}, "state_machines": {"OrderWorkflow": 300000}}`.
/// A function's entry wins over its state machine's; both win over `--invocations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    #[serde(default)]
    pub functions: std::collections::BTreeMap<String, u64>,
    #[serde(default)]
    pub state_machines: std::collections::BTreeMap<String, u64>,
}

impl Usage {
    pub fn read(path: &std::path::Path) -> Result<Usage, crate::error::InputError> {
        let text = crate::error::InputError::read_text(path)?;
        let v = crate::discover::yaml::parse_by_extension(path, &text)?;
        serde_json::from_value(v)
            .map_err(|e| crate::error::InputError::new(path, format!("not a usage file: {e}")))
    }

    pub fn invocations(&self, state_machine: &str, function: &str) -> Option<u64> {
        self.functions
            .get(function)
            .or_else(|| self.state_machines.get(state_machine))
            .copied()
    }
}

pub fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_million_invocations_at_256_mb_x86() {
        let a = Assumptions {
            cold_start_ratio: 0.0,
            ..Assumptions::default()
        };
        let s = estimate(
            FunctionConfig {
                memory_mb: Some(256),
                timeout_s: Some(10),
                architecture: Some("x86_64"),
                express: false,
            },
            &a,
        );
        // 1M requests = $0.20; 1M × 0.25 GB × 0.1 s × $0.0000166667 = $0.42.
        assert_eq!(s.requests_usd, 0.2);
        assert_eq!(s.duration_usd, 0.42);
        assert_eq!(s.monthly_usd, 0.62);
        assert_eq!(s.express_duration_usd, 0.0);
    }

    #[test]
    fn arm_is_cheaper_and_timeout_caps_duration() {
        let a = Assumptions::default();
        let x86 = estimate(
            FunctionConfig {
                memory_mb: Some(1024),
                timeout_s: None,
                architecture: None,
                express: true,
            },
            &a,
        );
        let arm = estimate(
            FunctionConfig {
                memory_mb: Some(1024),
                timeout_s: None,
                architecture: Some("arm64"),
                express: true,
            },
            &a,
        );
        assert!(arm.duration_usd < x86.duration_usd);
        assert!(x86.express_duration_usd > 0.0);
        let capped = estimate(
            FunctionConfig {
                memory_mb: None,
                timeout_s: Some(0),
                architecture: None,
                express: false,
            },
            &a,
        );
        assert_eq!(capped.duration_usd, 0.0);
    }
}
