//! Tracing: logs on stderr, and spans exported with OpenTelemetry over OTLP/HTTP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `JAEGER_ENDPOINT`) names a collector. W3C trace
//! context is continued from requests and message headers and recorded in events.

use std::collections::HashMap;

use opentelemetry::global;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::Config;

/// The span exporter of this process; flush it with [`Telemetry::shutdown`] on exit.
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Installs the global subscriber: the log filter, stderr logs, and the OTLP span
    /// exporter when an endpoint is configured. Call outside the async runtime.
    pub fn init(config: &Config) -> Self {
        let filter =
            EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
        let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
        let registry = tracing_subscriber::registry().with(filter).with(logs);
        let Some(endpoint) = config.telemetry.otlp_endpoint.as_deref() else {
            let _ = registry.try_init();
            return Telemetry::default();
        };
        let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
        let exporter = match SpanExporter::builder()
            .with_http()
            .with_endpoint(url.clone())
            .build()
        {
            Ok(exporter) => exporter,
            Err(err) => {
                let _ = registry.try_init();
                tracing::warn!(%url, cause = %err, "span export disabled: the OTLP exporter cannot be built");
                return Telemetry::default();
            }
        };
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                Resource::builder()
                    .with_service_name(config.service_name.clone())
                    .build(),
            )
            .build();
        global::set_text_map_propagator(TraceContextPropagator::new());
        let tracer = provider.tracer("platform");
        let _ = registry
            .with(tracing_opentelemetry::layer().with_tracer(tracer))
            .try_init();
        tracing::info!(%url, "exporting spans over OTLP/HTTP");
        Telemetry {
            provider: Some(provider),
        }
    }

    /// Sends the spans still buffered. Call outside the async runtime.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(err) = provider.shutdown()
        {
            eprintln!("warning: span export did not finish: {err}");
        }
    }
}

/// Makes `span` a child of the W3C `traceparent` given, when it is valid.
pub fn continue_trace(span: &Span, traceparent: Option<&str>) {
    let Some(traceparent) = traceparent else {
        return;
    };
    let carrier = HashMap::from([("traceparent".to_owned(), traceparent.to_owned())]);
    let parent = TraceContextPropagator::new().extract(&carrier);
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
}

/// The W3C `traceparent` of `span`, when spans are exported (else `None`).
pub fn traceparent_of(span: &Span) -> Option<String> {
    let context = span.context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove("traceparent")
}
