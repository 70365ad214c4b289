//! A package's zip, read safely: [`open`] checks every entry of the central directory before a
//! byte is extracted (how many, how large in total, the compression ratio, the paths, symlinks,
//! encryption, duplicates), and [`PackageFiles::read`] / [`PackageFiles::copy_to`] stop as soon
//! as an entry turns out larger than it said it was, so neither the declared sizes nor the
//! compressed data can make the server inflate more than the limits allow.

use super::refuse;
use std::collections::HashMap;
use std::io::{self, Read, Seek, Write};
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};
use zk_kernel::{AppError, AppResult};

/// What a package may hold; [`Limits::default`] is what members get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Entries in the zip (files and folders).
    pub max_entries: usize,
    /// Sum of the entries' uncompressed sizes, in bytes.
    pub max_total_size: u64,
    /// Largest ratio of uncompressed to compressed size of an entry larger than `ratio_from`.
    pub max_ratio: u64,
    /// Entries up to this many bytes may compress as well as they like (text compresses well).
    pub ratio_from: u64,
    /// Largest manifest (`imsmanifest.xml`, `cmi5.xml`) read into memory, in bytes.
    pub max_manifest_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entries: 20_000,
            max_total_size: 2 << 30,
            max_ratio: 100,
            ratio_from: 1 << 20,
            max_manifest_size: 16 << 20,
        }
    }
}

/// A file in the package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The path from the package root, normalised: `/`-separated, no `.` or empty segments.
    pub path: String,
    /// Uncompressed size as the zip declares it (reading never yields more).
    pub size: u64,
    /// Index in the zip's central directory.
    index: usize,
}

/// A checked package: its files, and their bytes on request.
pub struct PackageFiles<R> {
    archive: ZipArchive<R>,
    entries: Vec<Entry>,
    by_path: HashMap<String, usize>,
    total_size: u64,
    limits: Limits,
}

impl<R> std::fmt::Debug for PackageFiles<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageFiles")
            .field("entries", &self.entries.len())
            .field("total_size", &self.total_size)
            .finish()
    }
}

/// Opens a package zip and checks all of it (see [`PackageFiles::open`]).
pub fn open<R: Read + Seek>(reader: R, limits: Limits) -> AppResult<PackageFiles<R>> {
    PackageFiles::open(reader, limits)
}

impl<R: Read + Seek> PackageFiles<R> {
    /// Reads the zip's central directory and refuses the package, naming the entry, when it
    /// has too many entries or too many bytes, an entry compressed suspiciously well, a path
    /// outside the package (`../`, absolute, a drive letter, a backslash), a symlink, an
    /// encrypted entry, a compression other than deflate or none, two entries with the same
    /// path once normalised, or entries sharing their data. Nothing is decompressed here.
    pub fn open(reader: R, limits: Limits) -> AppResult<Self> {
        let archive = ZipArchive::new(reader).map_err(not_a_zip)?;
        if archive.len() > limits.max_entries {
            return Err(refuse(
                "package_too_many_entries",
                format!(
                    "Het pakket bevat {} bestanden en mappen; hoogstens {} zijn toegestaan.",
                    archive.len(),
                    limits.max_entries
                ),
            ));
        }
        if archive.has_duplicate_names() {
            return Err(refuse(
                "package_duplicate_path",
                "Het pakket bevat een bestandsnaam twee keer (in de inhoudsopgave van de zip); het pakket is beschadigd of gemanipuleerd.",
            ));
        }
        let mut entries = Vec::new();
        let mut by_path: HashMap<String, usize> = HashMap::new();
        let mut raw_names: Vec<String> = Vec::new();
        let mut total_size: u64 = 0;
        for index in 0..archive.len() {
            let entry = archive.by_index_data(index).map_err(not_a_zip)?;
            let raw = match entry.name() {
                Ok(name) => name.into_owned(),
                Err(_) => {
                    return Err(refuse(
                        "package_path_invalid",
                        "Het pakket bevat een bestandsnaam die niet te lezen is.",
                    ))
                }
            };
            let path = normalise(&raw)?;
            if entry.is_symlink() {
                return Err(refuse(
                    "package_symlink",
                    format!(
                        "Het pakket bevat een symbolische koppeling ({raw}); alleen gewone bestanden en mappen zijn toegestaan."
                    ),
                ));
            }
            if entry.encrypted() {
                return Err(refuse(
                    "package_encrypted",
                    format!(
                        "Het bestand {raw} in het pakket is versleuteld (met een wachtwoord); maak het pakket opnieuw zonder wachtwoord."
                    ),
                ));
            }
            let Some(path) = path.filter(|_| !entry.is_dir()) else {
                continue;
            };
            if !matches!(
                entry.compression(),
                CompressionMethod::Stored | CompressionMethod::Deflated
            ) {
                return Err(refuse(
                    "package_compression_unsupported",
                    format!(
                        "Het bestand {raw} in het pakket is gecomprimeerd met een methode die we niet lezen ({}); gebruik een gewone zip (deflate).",
                        entry.compression()
                    ),
                ));
            }
            let size = entry.size();
            let compressed = entry.compressed_size().max(1);
            if size > limits.ratio_from && size / compressed > limits.max_ratio {
                return Err(refuse(
                    "package_compression_ratio",
                    format!(
                        "Het bestand {raw} in het pakket is verdacht sterk gecomprimeerd ({} keer; hoogstens {} keer mag bij bestanden boven {} MB). Zo'n bestand kan een zip-bom zijn.",
                        size / compressed,
                        limits.max_ratio,
                        limits.ratio_from >> 20
                    ),
                ));
            }
            total_size = total_size.saturating_add(size);
            if total_size > limits.max_total_size {
                return Err(refuse(
                    "package_too_large",
                    format!(
                        "Het pakket is uitgepakt groter dan {} MB (bij {raw} al meer); maak het kleiner.",
                        limits.max_total_size >> 20
                    ),
                ));
            }
            if let Some(&other) = by_path.get(&path) {
                return Err(refuse(
                    "package_duplicate_path",
                    format!(
                        "Het pakket bevat {path} twee keer ({} en {raw}).",
                        raw_names[other]
                    ),
                ));
            }
            by_path.insert(path.clone(), entries.len());
            raw_names.push(raw);
            entries.push(Entry { path, size, index });
        }
        // Entries sharing compressed data (an overlapping zip bomb) inflate many times what
        // the zip holds; no packaging tool writes them. Only the local headers are read.
        let mut archive = archive;
        if archive.has_overlapping_files().map_err(not_a_zip)? {
            return Err(refuse(
                "package_overlapping_entries",
                "In het pakket delen bestanden dezelfde gecomprimeerde gegevens; zo'n zip kan een zip-bom zijn. Maak het pakket opnieuw.",
            ));
        }
        Ok(Self {
            archive,
            entries,
            by_path,
            total_size,
            limits,
        })
    }

    /// The package's files (not its folders), in the zip's order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Sum of the files' declared sizes.
    pub fn total_size(&self) -> u64 {
        self.total_size
    }

    /// The limits the package was checked against.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The file at a normalised path, if the package has it.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.by_path.get(path).map(|&i| &self.entries[i])
    }

    /// Whether the package has a file at this normalised path.
    pub fn contains(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// Writes a file's bytes to `out`, refusing when they turn out more (or fewer) than the
    /// declared size or fail the checksum; returns how many were written.
    pub fn copy_to<W: Write + ?Sized>(&mut self, path: &str, out: &mut W) -> AppResult<u64> {
        let Some(&at) = self.by_path.get(path) else {
            return Err(refuse(
                "package_file_missing",
                format!("Het pakket bevat geen bestand {path}."),
            ));
        };
        let entry = &self.entries[at];
        let file = self
            .archive
            .by_index(entry.index)
            .map_err(|e| corrupt(path, e))?;
        copy_guarded(path, entry.size, file, out)
    }

    /// A file's bytes (see [`Self::copy_to`]); for files small enough to hold in memory.
    pub fn read(&mut self, path: &str) -> AppResult<Vec<u8>> {
        let declared = self.get(path).map_or(0, |e| e.size);
        let mut bytes = Vec::with_capacity(usize::try_from(declared.min(16 << 20)).unwrap_or(0));
        self.copy_to(path, &mut bytes)?;
        Ok(bytes)
    }
}

/// Copies at most `declared` bytes of the entry `path` from `reader` to `out`: stops and refuses
/// as soon as the reader yields a byte more (the declared size lied, as in a zip bomb) and when
/// it ends early. A read error is a damaged entry.
pub fn copy_guarded<R: Read, W: Write + ?Sized>(
    path: &str,
    declared: u64,
    reader: R,
    out: &mut W,
) -> AppResult<u64> {
    let mut limited = reader.take(declared.saturating_add(1));
    let mut buf = vec![0u8; 64 << 10];
    let mut total: u64 = 0;
    loop {
        let n = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.to_string().contains("larger than its declared") => {
                return Err(size_mismatch(path, declared))
            }
            Err(e) => return Err(corrupt(path, ZipError::Io(e))),
        };
        total = total.saturating_add(n as u64);
        if total > declared {
            return Err(size_mismatch(path, declared));
        }
        out.write_all(&buf[..n]).map_err(AppError::internal)?;
    }
    if total != declared {
        return Err(size_mismatch(path, declared));
    }
    Ok(total)
}

fn size_mismatch(path: &str, declared: u64) -> AppError {
    refuse(
        "package_entry_size_mismatch",
        format!(
            "Het bestand {path} in het pakket is niet zo groot als de zip zegt ({declared} bytes); het pakket is beschadigd of gemanipuleerd."
        ),
    )
}

fn corrupt(path: &str, err: ZipError) -> AppError {
    tracing::info!(error = %err, "package entry unreadable");
    refuse(
        "package_entry_corrupt",
        format!("Het bestand {path} in het pakket is beschadigd en niet uit te pakken."),
    )
}

/// The zip could not be opened: not a zip, or a broken one (a failing disk is ours).
fn not_a_zip(err: ZipError) -> AppError {
    match err {
        ZipError::Io(e)
            if !matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
            ) =>
        {
            AppError::internal(e)
        }
        _ => refuse(
            "package_not_zip",
            "Dit bestand is geen (leesbaar) zip-bestand. Exporteer het pakket opnieuw als SCORM- of cmi5-zip.",
        ),
    }
}

/// An entry's path from the package root, `None` for the root itself; refuses paths that would
/// land outside it, rather than quietly skipping or rewriting them.
fn normalise(raw: &str) -> AppResult<Option<String>> {
    if raw.is_empty() || raw.chars().any(char::is_control) {
        return Err(refuse(
            "package_path_invalid",
            format!(
                "Het pakket bevat een ongeldige bestandsnaam ({}).",
                raw.escape_debug()
            ),
        ));
    }
    let bytes = raw.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if raw.contains('\\') || drive {
        return Err(refuse(
            "package_path_windows",
            format!(
                "Het pakket bevat een Windows-pad ({raw}): een stationsletter of backslash. Maak de zip opnieuw met een programma dat gewone paden (met /) schrijft."
            ),
        ));
    }
    if raw.starts_with('/') {
        return Err(refuse(
            "package_path_absolute",
            format!(
                "Het pakket bevat een absoluut pad ({raw}); alle bestanden moeten binnen het pakket liggen."
            ),
        ));
    }
    let mut parts = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(refuse(
                    "package_path_parent",
                    format!(
                        "Het pakket bevat een pad met .. ({raw}) dat buiten het pakket kan wijzen."
                    ),
                ))
            }
            p => parts.push(p),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::super::test_zip::{patch_u16, patch_u32, ZipBuilder};
    use super::*;
    use std::io::Cursor;
    use zip::write::SimpleFileOptions;
    use zip::ZipWriter;

    fn small() -> Limits {
        Limits {
            max_entries: 5,
            max_total_size: 1000,
            max_ratio: 100,
            ratio_from: 1 << 20,
            max_manifest_size: 1 << 20,
        }
    }

    fn refused(bytes: Vec<u8>, limits: Limits) -> AppError {
        match open(Cursor::new(bytes), limits) {
            Ok(files) => panic!("accepted: {:?}", files.entries()),
            Err(e) => e,
        }
    }

    fn assert_refused(bytes: Vec<u8>, limits: Limits, code: &str, names: &str) {
        let e = refused(bytes, limits);
        assert_eq!(e.code, code, "{}", e.message);
        assert!(
            e.message.contains(names),
            "{:?} should name {names:?}",
            e.message
        );
        assert_eq!(e.field.as_deref(), Some("package"));
    }

    #[test]
    fn a_good_package_lists_its_files_and_reads_them() {
        let zip = ZipBuilder::new()
            .dir("content/")
            .file("content/index.html", b"<html></html>")
            .file("./content/./img/logo.png", &[1, 2, 3])
            .deflated("big.txt", &vec![b'a'; 5000])
            .finish();
        let mut files = open(Cursor::new(zip), Limits::default()).unwrap();
        let paths: Vec<_> = files.entries().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["content/index.html", "content/img/logo.png", "big.txt"]
        );
        assert_eq!(files.total_size(), 13 + 3 + 5000);
        assert!(files.contains("content/img/logo.png"));
        assert!(!files.contains("content"));
        assert_eq!(files.read("big.txt").unwrap(), vec![b'a'; 5000]);
        assert_eq!(files.read("content/img/logo.png").unwrap(), [1, 2, 3]);
        let e = files.read("nope.html").unwrap_err();
        assert_eq!(e.code, "package_file_missing");
    }

    #[test]
    fn too_many_entries_are_refused() {
        let mut zip = ZipBuilder::new();
        for i in 0..6 {
            zip = zip.file(&format!("f{i}.txt"), b"x");
        }
        assert_refused(zip.finish(), small(), "package_too_many_entries", "6");
    }

    #[test]
    fn too_many_bytes_in_total_are_refused() {
        let zip = ZipBuilder::new()
            .file("a.bin", &[0; 600])
            .file("b.bin", &[0; 600])
            .finish();
        assert_refused(zip, small(), "package_too_large", "b.bin");
    }

    #[test]
    fn an_entry_compressed_too_well_is_refused() {
        let zip = ZipBuilder::new()
            .deflated("zeros.bin", &vec![0; 2 << 20])
            .finish();
        assert_refused(
            zip,
            Limits::default(),
            "package_compression_ratio",
            "zeros.bin",
        );
        // Below the threshold a good ratio is fine (HTML and JSON compress well).
        let zip = ZipBuilder::new()
            .deflated("zeros.bin", &vec![0; 1 << 20])
            .finish();
        assert!(open(Cursor::new(zip), Limits::default()).is_ok());
    }

    #[test]
    fn more_bytes_than_declared_stop_the_extraction() {
        // A zip whose headers declare 10 bytes for an entry of 5000: the listing believes them,
        // reading does not.
        let zip = ZipBuilder::new()
            .deflated("liar.txt", &vec![b'a'; 5000])
            .finish();
        let zip = patch_sizes(zip, 10);
        let mut files = open(Cursor::new(zip), Limits::default()).unwrap();
        assert_eq!(files.get("liar.txt").map(|e| e.size), Some(10));
        let mut out = Vec::new();
        let e = files.copy_to("liar.txt", &mut out).unwrap_err();
        assert_eq!(e.code, "package_entry_size_mismatch");
        assert!(e.message.contains("liar.txt"));
        assert!(out.len() <= 10, "wrote {} bytes", out.len());
    }

    #[test]
    fn fewer_bytes_than_declared_are_refused_too() {
        let zip = ZipBuilder::new().file("short.txt", b"12345").finish();
        let zip = patch_sizes(zip, 9);
        let e = open(Cursor::new(zip), Limits::default())
            .and_then(|mut f| f.read("short.txt"))
            .unwrap_err();
        assert_eq!(e.code, "package_entry_size_mismatch", "{}", e.message);
        assert!(e.message.contains("short.txt"));
    }

    /// Sets the uncompressed size of the (one) entry in its local and central headers.
    fn patch_sizes(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
        patch_u32(&mut zip, b"PK\x03\x04", 22, size);
        patch_u32(&mut zip, b"PK\x01\x02", 24, size);
        zip
    }

    #[test]
    fn the_guard_stops_a_reader_that_yields_more_than_declared() {
        let endless = io::repeat(0);
        let mut out = Vec::new();
        let e = copy_guarded("bom.bin", 1000, endless, &mut out).unwrap_err();
        assert_eq!(e.code, "package_entry_size_mismatch");
        assert!(e.message.contains("bom.bin"));
        assert_eq!(out.len(), 0, "the last chunk is not written");
        let mut out = Vec::new();
        assert_eq!(copy_guarded("ok.bin", 3, &b"abc"[..], &mut out).unwrap(), 3);
        assert_eq!(out, b"abc");
    }

    #[test]
    fn paths_outside_the_package_are_refused() {
        for (name, code) in [
            ("../x.html", "package_path_parent"),
            ("a/../../x.html", "package_path_parent"),
            ("a/../b.html", "package_path_parent"),
            ("/abs.html", "package_path_absolute"),
            ("C:\\x.html", "package_path_windows"),
            ("C:x.html", "package_path_windows"),
            ("a\\..\\b.html", "package_path_windows"),
        ] {
            let zip = ZipBuilder::new()
                .file("index.html", b"ok")
                .file(name, b"evil")
                .finish();
            assert_refused(zip, Limits::default(), code, name);
        }
    }

    #[test]
    fn a_symlink_is_refused() {
        let zip = ZipBuilder::new()
            .file("index.html", b"ok")
            .symlink("passwd", "/etc/passwd")
            .finish();
        assert_refused(zip, Limits::default(), "package_symlink", "passwd");
    }

    #[test]
    fn duplicate_paths_after_normalising_are_refused() {
        for other in ["a//b.html", "./a/b.html", "a/./b.html"] {
            let zip = ZipBuilder::new()
                .file("a/b.html", b"one")
                .file(other, b"two")
                .finish();
            assert_refused(zip, Limits::default(), "package_duplicate_path", other);
        }
    }

    #[test]
    fn not_a_zip_is_refused() {
        assert_refused(
            b"<html>no zip</html>".to_vec(),
            Limits::default(),
            "package_not_zip",
            "zip",
        );
        assert_refused(Vec::new(), Limits::default(), "package_not_zip", "zip");
    }

    #[test]
    fn an_encrypted_entry_is_refused() {
        let mut zip = ZipBuilder::new().file("secret.html", b"x").finish();
        // Bit 0 of the general purpose flags: encrypted.
        patch_u16(&mut zip, b"PK\x03\x04", 6, 1);
        patch_u16(&mut zip, b"PK\x01\x02", 8, 1);
        assert_refused(zip, Limits::default(), "package_encrypted", "secret.html");
    }

    #[test]
    fn the_same_name_twice_in_the_directory_is_refused() {
        let zip = ZipBuilder::new()
            .file("a/b.html", b"one")
            .file("a/c.html", b"two")
            .finish();
        let mut zip = zip;
        for at in 0..zip.len() - 8 {
            if &zip[at..at + 8] == b"a/c.html" {
                zip[at + 2] = b'b';
            }
        }
        assert_refused(
            zip,
            Limits::default(),
            "package_duplicate_path",
            "twee keer",
        );
    }

    #[test]
    fn a_compression_we_do_not_read_is_refused() {
        let mut zip = ZipBuilder::new().file("les.html", b"x").finish();
        // Method 12: bzip2.
        patch_u16(&mut zip, b"PK\x03\x04", 8, 12);
        patch_u16(&mut zip, b"PK\x01\x02", 10, 12);
        assert_refused(
            zip,
            Limits::default(),
            "package_compression_unsupported",
            "les.html",
        );
    }

    #[test]
    fn entries_sharing_their_data_are_refused() {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        zip.start_file("kern.bin", deflated).unwrap();
        zip.write_all(&[7; 4000]).unwrap();
        zip.shallow_copy_file("kern.bin", "kopie.bin").unwrap();
        let zip = zip.finish().unwrap().into_inner();
        assert_refused(
            zip,
            Limits::default(),
            "package_overlapping_entries",
            "dezelfde gecomprimeerde gegevens",
        );
    }

    #[test]
    fn the_default_limits_are_the_platform_s() {
        let l = Limits::default();
        assert_eq!(l.max_entries, 20_000);
        assert_eq!(l.max_total_size, 2 * 1024 * 1024 * 1024);
        assert_eq!((l.max_ratio, l.ratio_from), (100, 1024 * 1024));
    }

    #[test]
    fn normalising_keeps_relative_paths() {
        assert_eq!(normalise("a/b.html").unwrap().as_deref(), Some("a/b.html"));
        assert_eq!(normalise("./a//b/").unwrap().as_deref(), Some("a/b"));
        assert_eq!(normalise("./").unwrap(), None);
        assert_eq!(normalise("a\0b").unwrap_err().code, "package_path_invalid");
    }
}
