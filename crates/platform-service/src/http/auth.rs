//! The authentication middleware of `jwt` mode: who the request is from.
//!
//! No `Authorization` header: the request goes on as [`Caller::anonymous`], and
//! dispatch answers 401 where the handler needs a user. A valid bearer token: the
//! request goes on as [`Caller::authenticated`]. Anything else (another scheme, a
//! malformed header, a token that does not verify) is answered 401 here, at once: a
//! client that sent credentials is told they were refused rather than served as
//! anonymous. In `none` mode the middleware is not installed and every request is
//! anonymous.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::debug;

use crate::auth::{TokenError, Verifier};
use crate::context::Caller;
use crate::error::{Challenge, HandlerError};

/// Middleware: verifies the bearer token, if any, and attaches the [`Caller`].
pub async fn authenticate(
    State(verifier): State<Verifier>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match bearer_token(request.headers()) {
        Ok(None) => Caller::anonymous(),
        Ok(Some(token)) => match verifier.verify(token).await {
            Ok(user) => Caller::authenticated(user),
            Err(TokenError::KeysUnavailable) => {
                return HandlerError::Unavailable(TokenError::KeysUnavailable.to_string())
                    .into_response();
            }
            Err(refused) => {
                debug!(reason = %refused, "bearer token refused");
                return HandlerError::Unauthenticated(Challenge::InvalidToken(refused.to_string()))
                    .into_response();
            }
        },
        Err(challenge) => return HandlerError::Unauthenticated(challenge).into_response(),
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The bearer token of the request: none without an `Authorization` header, or the
/// challenge for a header that is not one bearer credential.
fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, Challenge> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Challenge::Malformed(
            "more than one Authorization header".to_owned(),
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| Challenge::Malformed("not visible ASCII".to_owned()))?
        .trim();
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Challenge::OtherScheme);
    }
    let token = credentials.trim();
    if token.is_empty() {
        return Err(Challenge::Malformed("no token after Bearer".to_owned()));
    }
    // RFC 6750's b64token; a JWT is three of these parts.
    let b64token = token.trim_end_matches('=');
    if !b64token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
    {
        return Err(Challenge::InvalidToken(
            "the token has characters a bearer token cannot have".to_owned(),
        ));
    }
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                header::AUTHORIZATION,
                HeaderValue::from_str(value).expect("a header value"),
            );
        }
        headers
    }

    #[test]
    fn bearer_credentials() {
        assert_eq!(bearer_token(&with(&[])), Ok(None));
        assert_eq!(bearer_token(&with(&["Bearer a.b.c"])), Ok(Some("a.b.c")));
        assert_eq!(bearer_token(&with(&["bearer  a.b.c "])), Ok(Some("a.b.c")));
        assert_eq!(
            bearer_token(&with(&["Basic dXNlcjpwYXNz"])),
            Err(Challenge::OtherScheme)
        );
        assert!(matches!(
            bearer_token(&with(&["Bearer"])),
            Err(Challenge::Malformed(_))
        ));
        assert!(matches!(
            bearer_token(&with(&["Bearer "])),
            Err(Challenge::Malformed(_))
        ));
        assert!(matches!(
            bearer_token(&with(&["Bearer a.b.c", "Bearer d.e.f"])),
            Err(Challenge::Malformed(_))
        ));
        assert!(matches!(
            bearer_token(&with(&["Bearer a b"])),
            Err(Challenge::InvalidToken(_))
        ));
    }

    #[test]
    fn challenges() {
        assert_eq!(Challenge::Missing.www_authenticate(), "Bearer");
        assert_eq!(Challenge::OtherScheme.www_authenticate(), "Bearer");
        assert_eq!(
            Challenge::InvalidToken("token \"expired\"\n".into()).www_authenticate(),
            "Bearer error=\"invalid_token\", error_description=\"token ?expired??\""
        );
    }
}
