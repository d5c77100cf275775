//! The client's one error type, mirroring the service's problem codes.

use serde::Deserialize;

/// Why a call failed. Service errors keep the server's `code` and message.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// 404: the entity addressed (or the command/query name) does not exist.
    #[error("not found ({code}): {message}")]
    NotFound {
        /// The service's stable code, e.g. `not_found`.
        code: String,
        /// The service's message.
        message: String,
    },
    /// 400/413: the request was refused as malformed or too large.
    #[error("invalid request ({code}): {message}")]
    Validation {
        /// e.g. `validation_failed`, `malformed_json`, `payload_too_large`.
        code: String,
        /// The service's message.
        message: String,
    },
    /// 422: a business rule was broken, e.g. `order_not_draft` or `sku_taken`.
    #[error("rule violated ({code}): {message}")]
    RuleViolated {
        /// The rule's stable code.
        code: String,
        /// The service's message.
        message: String,
    },
    /// 401: no bearer token where the service needs a user, or a token it refused
    /// (expired, badly signed, for another issuer or audience); get a new token. Never
    /// retried.
    #[error("unauthenticated ({code}): {message}")]
    Unauthenticated {
        /// `unauthenticated`.
        code: String,
        /// The service's message, e.g. why the token was refused.
        message: String,
    },
    /// 403: the token's user has none of the roles the command or query requires.
    /// Never retried.
    #[error("forbidden ({code}): {message}")]
    Forbidden {
        /// `forbidden`.
        code: String,
        /// The service's message, naming the roles that would do.
        message: String,
    },
    /// 409: concurrent writers kept winning, or the same idempotency key is in flight.
    #[error("conflict ({code}): {message}")]
    Conflict {
        /// `concurrency_conflict` or `idempotency_key_in_flight`.
        code: String,
        /// The service's message.
        message: String,
    },
    /// 503: the service cannot reach a dependency; retry later.
    #[error("service unavailable: {message}")]
    Unavailable {
        /// The service's message.
        message: String,
    },
    /// The request did not complete: connection refused, timeout, reset.
    #[error("transport: {0}")]
    Transport(#[source] reqwest::Error),
    /// Any other answer (500, a body that is not what the contract says), kept whole.
    #[error("unexpected response {status}: {body}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// The body as received.
        body: String,
    },
    /// The client was configured wrong (a base URL that is not http(s), a bad header).
    #[error("client configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// The service's stable code, for errors that carry one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::NotFound { code, .. }
            | ClientError::Validation { code, .. }
            | ClientError::RuleViolated { code, .. }
            | ClientError::Unauthenticated { code, .. }
            | ClientError::Forbidden { code, .. }
            | ClientError::Conflict { code, .. } => Some(code),
            ClientError::Unavailable { .. } => Some("unavailable"),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed (transport failure, 503, 409).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::Transport(_)
                | ClientError::Unavailable { .. }
                | ClientError::Conflict { .. }
        )
    }

    /// Maps a non-success response to its variant.
    pub(crate) fn from_response(status: u16, body: String) -> Self {
        #[derive(Deserialize)]
        struct Problem {
            code: String,
            detail: String,
        }
        let Ok(problem) = serde_json::from_str::<Problem>(&body) else {
            return ClientError::Unexpected { status, body };
        };
        let (code, message) = (problem.code, problem.detail);
        match status {
            404 => ClientError::NotFound { code, message },
            400 | 413 => ClientError::Validation { code, message },
            401 => ClientError::Unauthenticated { code, message },
            403 => ClientError::Forbidden { code, message },
            422 => ClientError::RuleViolated { code, message },
            409 => ClientError::Conflict { code, message },
            503 => ClientError::Unavailable { message },
            _ => ClientError::Unexpected { status, body },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ClientError;

    fn problem(status: u16, code: &str) -> ClientError {
        let body = format!(
            r#"{{"type":"about:blank","title":"t","status":{status},"detail":"why","code":"{code}"}}"#
        );
        ClientError::from_response(status, body)
    }

    #[test]
    fn problem_codes_map_to_variants() {
        assert!(
            matches!(problem(404, "not_found"), ClientError::NotFound { code, message } if code == "not_found" && message == "why")
        );
        assert!(matches!(
            problem(400, "validation_failed"),
            ClientError::Validation { .. }
        ));
        assert!(matches!(
            problem(413, "payload_too_large"),
            ClientError::Validation { .. }
        ));
        assert!(
            matches!(problem(422, "order_empty"), ClientError::RuleViolated { code, .. } if code == "order_empty")
        );
        assert!(matches!(
            problem(409, "concurrency_conflict"),
            ClientError::Conflict { .. }
        ));
        assert!(
            matches!(problem(503, "unavailable"), ClientError::Unavailable { message } if message == "why")
        );
        assert!(matches!(
            problem(500, "internal_error"),
            ClientError::Unexpected { status: 500, .. }
        ));
    }

    #[test]
    fn a_body_that_is_not_a_problem_is_kept_whole() {
        let err = ClientError::from_response(502, "<html>bad gateway</html>".to_owned());
        assert!(
            matches!(&err, ClientError::Unexpected { status: 502, body } if body == "<html>bad gateway</html>")
        );
        assert_eq!(err.code(), None);
        assert!(!err.is_transient());
        assert!(problem(503, "unavailable").is_transient());
    }
}
