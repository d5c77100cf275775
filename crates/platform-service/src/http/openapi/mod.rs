//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the service.

mod document;
mod links;
mod schemas;

pub use document::openapi;
