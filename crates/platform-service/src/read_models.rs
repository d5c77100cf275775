//! Start-up handling of stale read models: paused inline, rebuilt (in the background
//! when configured, else by `catchup`), then resumed without a gap.

use std::time::Duration;

use platform_read_models::{ReadModelRegistration, RebuildOptions, current_since, rebuild};
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::context::AppState;

/// How often a paused model checks whether `catchup` has rebuilt it.
const WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// Takes care of one stale model until it is current again or the service stops.
pub async fn handle_stale(
    state: AppState,
    model: &'static ReadModelRegistration,
    mut shutdown: watch::Receiver<bool>,
) {
    let pool = state.store().pool().clone();
    if state.config().read_models.auto_rebuild {
        info!(
            read_model = model.name,
            "rebuilding stale read model in the background"
        );
        let options = RebuildOptions {
            batch_size: state.config().read_models.catchup_batch_size,
            only_if_stale: true,
        };
        let rebuilt = tokio::select! {
            result = rebuild(&pool, model, options, |_| {}) => Some(result),
            _ = shutdown.changed() => None,
        };
        match rebuilt {
            None => return,
            Some(Ok(report)) => {
                info!(
                    read_model = model.name,
                    events = report.events,
                    "stale read model rebuilt"
                );
                resume(&state, model, report.swap_xmin).await;
                return;
            }
            Some(Err(err)) => {
                error!(read_model = model.name, cause = %err, "background rebuild failed")
            }
        }
    }
    warn!(
        read_model = model.name,
        "inline projection paused until the read model is rebuilt: run `catchup --read-model {}`",
        model.name
    );
    loop {
        tokio::select! {
            () = tokio::time::sleep(WATCH_INTERVAL) => {}
            _ = shutdown.changed() => return,
        }
        if let Ok(Some(xmin)) = current_since(&pool, model).await {
            resume(&state, model, xmin).await;
            return;
        }
    }
}

async fn resume(state: &AppState, model: &'static ReadModelRegistration, xmin: i64) {
    let pool = state.store().pool().clone();
    let mut delay = Duration::from_millis(200);
    loop {
        match state.gate().resume(&pool, model, xmin).await {
            Ok(_) => return,
            Err(err) => {
                error!(read_model = model.name, cause = %err, "resuming inline projection failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}
