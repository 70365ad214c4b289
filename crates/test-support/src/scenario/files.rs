//! Files as the media API takes them: small valid samples of each kind (the type checks read
//! the first bytes only) and uploading one in the file-system mode.

use super::user::{Requests, User};
use http::StatusCode;
use serde_json::json;

/// A small valid PNG header followed by filler.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-test-image-bytes";
/// The start of an MP4 file.
pub const MP4: &[u8] = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom-test-video";
/// WebVTT captions.
pub const VTT: &[u8] = b"WEBVTT\n\n00:00.000 --> 00:02.000\nWelkom bij de module.\n";

impl User {
    /// Uploads a file through the media API as a browser does (announce, `PUT` to the signed
    /// URL, confirm) and returns its id; `kind` is `image`, `video`, `captions`, ….
    pub async fn upload(
        &self,
        kind: &str,
        filename: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> String {
        let ticket = self
            .post("/api/v1/content/media")
            .json(&json!({"kind": kind, "filename": filename, "content_type": content_type, "size": bytes.len()}))
            .expect(StatusCode::CREATED)
            .await
            .json();
        let id = ticket["id"].as_str().expect("media id").to_owned();
        let url = ticket["upload"]["request"]["url"]
            .as_str()
            .expect("a single upload");
        self.app()
            .client
            .put(self.host(), url)
            .body(content_type, bytes.to_vec())
            .expect(StatusCode::OK)
            .await;
        self.post(&format!("/api/v1/content/media/{id}/confirm"))
            .json(&json!({}))
            .expect(StatusCode::OK)
            .await;
        id
    }
}
