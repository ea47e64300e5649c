//! An SFN client from the standard AWS chain (env, profile, SSO, IMDS), with plain-sentence errors.
//!
//! Read-only by construction: callers use only List*/Describe*/Get*/Validate*/TestState operations.

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_sdk_sfn::config::ProvideCredentials;
use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sfn::Client;

/// Where and as whom to connect: `--region`, `--profile`, `--endpoint-url`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Connection {
    /// AWS region (else AWS_REGION / the profile's region).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Named profile from ~/.aws/config (else AWS_PROFILE / default).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Step Functions endpoint override (else AWS_ENDPOINT_URL_SFN / AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// A current-thread runtime: the CLI is synchronous and makes one call at a time.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))
}

/// Builds the client and checks up front that a region and credentials are available, so that
/// their absence is reported as such rather than as a failed request.
pub async fn connect(conn: &Connection) -> anyhow::Result<Client> {
    // Standard retry mode retries throttling errors with exponential backoff
    // (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(5));
    if let Some(p) = &conn.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &conn.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(u) = &conn.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        anyhow::bail!(
            "no AWS region is configured: pass --region, set AWS_REGION, or set `region` in the profile"
        );
    }
    let Some(provider) = config.credentials_provider() else {
        anyhow::bail!("no AWS credentials provider is configured");
    };
    if let Err(e) = provider.provide_credentials().await {
        anyhow::bail!(
            "no AWS credentials were found ({e}): set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
             pass --profile, or run `aws sso login`"
        );
    }
    Ok(Client::new(&config))
}

/// Turns an SDK error into one sentence naming what failed and, for denials, the IAM action needed.
pub fn explain<E, R>(err: SdkError<E, R>, iam_action: &str) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = err.code().unwrap_or("").to_string();
    let message = err.message().unwrap_or("").to_string();
    // Error codes: https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html
    match code.as_str() {
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => anyhow::anyhow!(
            "access denied: the credentials in use lack the IAM permission `{iam_action}` ({message})"
        ),
        "ThrottlingException" | "Throttling" | "TooManyRequestsException" | "RequestLimitExceeded" => {
            anyhow::anyhow!(
                "Step Functions throttled `{iam_action}` and retries did not succeed; try again later ({message})"
            )
        }
        "UnrecognizedClientException" | "InvalidClientTokenId" | "ExpiredTokenException"
        | "InvalidSignatureException" => anyhow::anyhow!(
            "the AWS credentials were rejected ({code}: {message}); refresh them or pick another profile"
        ),
        "" => {
            let detail = match &err {
                SdkError::DispatchFailure(d) => format!("{d:?}"),
                SdkError::TimeoutError(_) => "the request timed out".to_string(),
                other => std::error::Error::source(other)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| other.to_string()),
            };
            anyhow::anyhow!("calling `{iam_action}` failed: {detail}")
        }
        _ => anyhow::anyhow!("`{iam_action}` failed: {code}: {message}"),
    }
}

/// Should TestState skip its `sync-` host prefix? Yes when the endpoint is overridden (the URL
/// names the host to call) or `AWS_DISABLE_HOST_PREFIX_INJECTION` is true: the SDKs' standard
/// setting for custom endpoints such as VPC endpoints and local testing tools, which the Rust SDK
/// does not read itself (https://docs.aws.amazon.com/sdkref/latest/guide/feature-host-prefix.html).
pub fn skip_host_prefix(conn: &Connection) -> bool {
    let env_true = |k: &str| {
        std::env::var(k)
            .map(|v| v.trim().eq_ignore_ascii_case("true"))
            .unwrap_or(false)
    };
    let env_set = |k: &str| std::env::var(k).map(|v| !v.is_empty()).unwrap_or(false);
    conn.endpoint_url.is_some()
        || env_set("AWS_ENDPOINT_URL_SFN")
        || env_set("AWS_ENDPOINT_URL")
        || env_true("AWS_DISABLE_HOST_PREFIX_INJECTION")
}

/// Removes the operation's host prefix before the endpoint is applied.
#[derive(Debug)]
pub struct NoHostPrefix;

impl aws_sdk_sfn::config::Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_retry_loop(
        &self,
        _context: &mut aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &aws_sdk_sfn::config::RuntimeComponents,
        cfg: &mut aws_sdk_sfn::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        cfg.interceptor_state()
            .unset::<aws_smithy_runtime_api::client::endpoint::EndpointPrefix>();
        Ok(())
    }
}
