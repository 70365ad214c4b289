//! Zips for the tests, built in memory (with whatever names and flags a test needs).

use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// A zip being built.
pub struct ZipBuilder(ZipWriter<Cursor<Vec<u8>>>);

impl ZipBuilder {
    pub fn new() -> Self {
        Self(ZipWriter::new(Cursor::new(Vec::new())))
    }

    fn add(mut self, name: &str, bytes: &[u8], method: CompressionMethod) -> Self {
        let options = SimpleFileOptions::default().compression_method(method);
        self.0.start_file(name, options).unwrap();
        self.0.write_all(bytes).unwrap();
        self
    }

    /// A stored (uncompressed) file.
    pub fn file(self, name: &str, bytes: &[u8]) -> Self {
        self.add(name, bytes, CompressionMethod::Stored)
    }

    /// A deflated file.
    pub fn deflated(self, name: &str, bytes: &[u8]) -> Self {
        self.add(name, bytes, CompressionMethod::Deflated)
    }

    /// A folder entry.
    pub fn dir(mut self, name: &str) -> Self {
        self.0
            .add_directory(name, SimpleFileOptions::default())
            .unwrap();
        self
    }

    /// A symbolic link.
    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        self.0
            .add_symlink(name, target, SimpleFileOptions::default())
            .unwrap();
        self
    }

    pub fn finish(self) -> Vec<u8> {
        self.0.finish().unwrap().into_inner()
    }
}

fn find(zip: &[u8], signature: &[u8]) -> usize {
    zip.windows(signature.len())
        .position(|w| w == signature)
        .expect("signature")
}

/// Overwrites the little-endian u32 `offset` bytes after the first `signature`.
pub fn patch_u32(zip: &mut [u8], signature: &[u8], offset: usize, value: u32) {
    let at = find(zip, signature) + offset;
    zip[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Overwrites the little-endian u16 `offset` bytes after the first `signature`.
pub fn patch_u16(zip: &mut [u8], signature: &[u8], offset: usize, value: u16) {
    let at = find(zip, signature) + offset;
    zip[at..at + 2].copy_from_slice(&value.to_le_bytes());
}
