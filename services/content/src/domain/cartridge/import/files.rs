//! The files an item shows, read from the zip and checked by their bytes (each stored once
//! however often it is shown), and the module the items make.

use super::{NewFile, NewModule, Planned, Reader};
use crate::domain::cartridge::MAX_FILE;
use crate::domain::media::{sniff, Kind};
use crate::domain::module::{self, Block, BlockBody};
use bytes::Bytes;
use std::io::{Read, Seek};
use uuid::Uuid;
use zk_kernel::AppResult;

impl<R: Read + Seek> Reader<'_, R> {
    /// A media file of the cartridge, read and checked, stored once.
    fn media(
        &mut self,
        item: &str,
        title: &str,
        path: &str,
        want: &[Kind],
    ) -> Option<(Uuid, Kind)> {
        if let Some(id) = self.stored.get(path) {
            let kind = self.prepared.files.iter().find(|f| f.id == *id)?.kind;
            return want.contains(&kind).then_some((*id, kind));
        }
        let size = self.files.get(path)?.size;
        let name = path.rsplit('/').next().unwrap_or(path).to_owned();
        if size > MAX_FILE {
            self.skip(
                item,
                title,
                format!("Het bestand {name} is groter dan 200 MB."),
            );
            return None;
        }
        let bytes = match self.files.read(path) {
            Ok(b) => Bytes::from(b),
            Err(e) => {
                self.skip(
                    item,
                    title,
                    format!("Het bestand {name} is niet te lezen: {}", e.message),
                );
                return None;
            }
        };
        let kind = match sniff(&bytes) {
            Some("image/png" | "image/jpeg" | "image/webp") => Kind::Image,
            Some("application/pdf") => Kind::Document,
            Some("video/mp4" | "video/webm") => Kind::Video,
            Some("text/vtt") => Kind::Captions,
            _ => {
                self.skip(item, title, format!("Het bestand {name} is geen afbeelding (PNG, JPEG, WebP), PDF, video (MP4, WebM) of ondertiteling (WebVTT)."));
                return None;
            }
        };
        if !want.contains(&kind) || bytes.len() as u64 > kind.max_size() {
            self.skip(
                item,
                title,
                format!("Het bestand {name} past hier niet of is te groot voor zijn soort."),
            );
            return None;
        }
        let id = Uuid::new_v4();
        self.stored.insert(path.to_owned(), id);
        self.prepared.files.push(NewFile {
            id,
            kind,
            filename: name,
            bytes,
        });
        Some((id, kind))
    }

    /// Turns the planned blocks of a module into blocks (reading its files) and keeps it.
    pub(super) fn module(
        &mut self,
        title: &str,
        ident: &str,
        planned: Vec<Planned>,
    ) -> AppResult<()> {
        let mut blocks = Vec::new();
        for p in planned {
            let body = match p {
                Planned::Block(b) => b,
                Planned::File {
                    item,
                    title: item_title,
                    path,
                    label,
                    poster,
                    captions,
                } => {
                    let Some((id, kind)) = self.media(
                        &item,
                        &item_title,
                        &path,
                        &[Kind::Image, Kind::Document, Kind::Video],
                    ) else {
                        continue;
                    };
                    let name = path.rsplit('/').next().unwrap_or_default();
                    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
                    let text = [label.as_str(), item_title.as_str(), stem]
                        .into_iter()
                        .map(str::trim)
                        .find(|s| !s.is_empty())
                        .unwrap_or("Bestand");
                    let text: String = text.chars().take(200).collect();
                    match kind {
                        Kind::Image => BlockBody::Image {
                            media: id.to_string(),
                            alt: text,
                        },
                        Kind::Document => BlockBody::Document {
                            media: id.to_string(),
                            title: text,
                        },
                        _ => BlockBody::Video {
                            media: id.to_string(),
                            poster: poster
                                .and_then(|p| self.media(&item, &item_title, &p, &[Kind::Image]))
                                .map(|(id, _)| id.to_string()),
                            captions: captions
                                .and_then(|c| self.media(&item, &item_title, &c, &[Kind::Captions]))
                                .map(|(id, _)| id.to_string()),
                            title: text,
                        },
                    }
                }
            };
            blocks.push(Block {
                id: None,
                optional: false,
                body,
            });
        }
        let title: String = title.trim().chars().take(200).collect();
        let title = if title.is_empty() {
            "Geïmporteerde module".to_owned()
        } else {
            title
        };
        if blocks.len() > 200 {
            self.skip(ident, &title, "Een module heeft hoogstens 200 blokken; de blokken na het 200e zijn niet overgenomen.");
            blocks.truncate(200);
        }
        // Checked block by block, so one odd block is named instead of refusing the cartridge.
        let mut kept = Vec::new();
        for b in blocks {
            match module::check_block("block", &b.body) {
                Ok(()) => kept.push(b),
                Err(e) => self.skip(
                    ident,
                    &title,
                    format!(
                        "Een {}-blok is niet overgenomen: {}",
                        b.body.kind(),
                        e.message
                    ),
                ),
            }
        }
        if kept.is_empty() {
            self.skip(
                ident,
                &title,
                "Niets uit dit onderdeel kon worden overgenomen.",
            );
            return Ok(());
        }
        self.prepared.modules.push(NewModule {
            title,
            blocks: kept,
        });
        Ok(())
    }
}
