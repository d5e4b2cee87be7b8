//! Zip archives as Lambda reads deployment packages and layers: the central directory, stored and
//! deflated entries, Unix modes (so `bootstrap` stays executable) and symlinks; nothing escapes the target.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Why an archive cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum ZipError {
    /// Not a zip, truncated, or using features Lambda does not accept (encryption, unknown compression).
    Corrupt(String),
    /// Unzipped, the archive is larger than the limit.
    TooLarge(u64),
    Io(String),
}

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZipError::Corrupt(why) => write!(f, "corrupt archive: {why}"),
            ZipError::TooLarge(n) => write!(f, "unzipped size {n} exceeds the limit"),
            ZipError::Io(e) => write!(f, "{e}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
}

/// One central-directory entry.
#[derive(Debug, Clone)]
pub struct EntryMeta {
    pub name: String,
    pub kind: Kind,
    /// Permission bits (`0o755`, ...).
    pub mode: u32,
    pub method: u16,
    pub compressed_size: u64,
    pub size: u64,
    pub local_header_offset: u64,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn corrupt(why: &str) -> ZipError {
    ZipError::Corrupt(why.to_string())
}

/// Reads the central directory.
pub fn entries(zip: &[u8]) -> Result<Vec<EntryMeta>, ZipError> {
    const EOCD: u32 = 0x0605_4b50;
    if zip.len() < 22 {
        return Err(corrupt("too short"));
    }
    let lowest = zip.len().saturating_sub(22 + 65_535);
    let eocd = (lowest..=zip.len() - 22)
        .rev()
        .find(|&i| u32_at(zip, i) == Some(EOCD))
        .ok_or_else(|| corrupt("no end of central directory"))?;
    let count = u16_at(zip, eocd + 10).ok_or_else(|| corrupt("truncated"))? as usize;
    let cd_offset = u32_at(zip, eocd + 16).ok_or_else(|| corrupt("truncated"))?;
    if count == 0xFFFF || cd_offset == 0xFFFF_FFFF {
        return Err(corrupt("zip64 archives are not supported"));
    }
    let mut at = cd_offset as usize;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(zip, at) != Some(0x0201_4b50) {
            return Err(corrupt("bad central directory entry"));
        }
        let field = |off: usize| u16_at(zip, at + off).ok_or_else(|| corrupt("truncated"));
        let field32 = |off: usize| u32_at(zip, at + off).ok_or_else(|| corrupt("truncated"));
        let made_by = field(4)?;
        let flags = field(8)?;
        let method = field(10)?;
        let compressed_size = field32(20)? as u64;
        let size = field32(24)? as u64;
        let (name_len, extra_len, comment_len) = (field(28)? as usize, field(30)? as usize, field(32)? as usize);
        let external = field32(38)?;
        let local_header_offset = field32(42)? as u64;
        let name_bytes = zip.get(at + 46..at + 46 + name_len).ok_or_else(|| corrupt("truncated name"))?;
        if flags & 1 != 0 {
            return Err(corrupt("encrypted entries are not supported"));
        }
        let name = String::from_utf8_lossy(name_bytes).replace('\\', "/");
        let unix = made_by >> 8 == 3;
        let unix_mode = if unix { external >> 16 } else { 0 };
        let kind = if name.ends_with('/') || unix_mode & 0o170000 == 0o040000 {
            Kind::Dir
        } else if unix_mode & 0o170000 == 0o120000 {
            Kind::Symlink
        } else {
            Kind::File
        };
        let mode = match (unix_mode & 0o777, kind) {
            (0, Kind::Dir) => 0o755,
            (0, _) => 0o644,
            (m, _) => m | 0o400,
        };
        out.push(EntryMeta { name, kind, mode, method, compressed_size, size, local_header_offset });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(out)
}

/// The sum of the entries' uncompressed sizes.
pub fn unzipped_size(zip: &[u8]) -> Result<u64, ZipError> {
    Ok(entries(zip)?.iter().map(|e| e.size).sum())
}

/// The uncompressed bytes of one entry.
pub fn read_entry(zip: &[u8], e: &EntryMeta) -> Result<Vec<u8>, ZipError> {
    let at = e.local_header_offset as usize;
    if u32_at(zip, at) != Some(0x0403_4b50) {
        return Err(corrupt("bad local header"));
    }
    let name_len = u16_at(zip, at + 26).ok_or_else(|| corrupt("truncated"))? as usize;
    let extra_len = u16_at(zip, at + 28).ok_or_else(|| corrupt("truncated"))? as usize;
    let start = at + 30 + name_len + extra_len;
    let data = zip.get(start..start + e.compressed_size as usize).ok_or_else(|| corrupt("truncated entry"))?;
    match e.method {
        0 => Ok(data.to_vec()),
        8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, e.size as usize)
            .map_err(|_| corrupt("bad deflate stream")),
        other => Err(ZipError::Corrupt(format!("compression method {other} is not supported"))),
    }
}

/// The path an entry lands at under `dir`, or `None` when its name would leave `dir`.
fn target(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut out = dir.to_path_buf();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (out != dir).then_some(out)
}

/// Unpacks `zip` into `dir` (created if needed), keeping modes and symlinks. Returns the unzipped size.
pub fn extract(zip: &[u8], dir: &Path, limit: u64) -> Result<u64, ZipError> {
    use std::os::unix::fs::PermissionsExt;
    let list = entries(zip)?;
    let total: u64 = list.iter().map(|e| e.size).sum();
    if total > limit {
        return Err(ZipError::TooLarge(total));
    }
    let io = |e: std::io::Error| ZipError::Io(e.to_string());
    std::fs::create_dir_all(dir).map_err(io)?;
    for e in &list {
        let Some(path) = target(dir, &e.name) else { continue };
        match e.kind {
            Kind::Dir => std::fs::create_dir_all(&path).map_err(io)?,
            Kind::Symlink => {
                let link = String::from_utf8_lossy(&read_entry(zip, e)?).into_owned();
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let _ = std::fs::remove_file(&path);
                std::os::unix::fs::symlink(link, &path).map_err(io)?;
            }
            Kind::File => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let bytes = read_entry(zip, e)?;
                // A later layer replaces an earlier one's file, as unpacking into /opt in order does.
                let _ = std::fs::remove_file(&path);
                let mut f = std::fs::File::create(&path).map_err(io)?;
                f.write_all(&bytes).map_err(io)?;
                f.set_permissions(std::fs::Permissions::from_mode(e.mode)).map_err(io)?;
            }
        }
    }
    Ok(total)
}

/// CRC-32 (IEEE), as zip headers carry it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Writes a zip of stored (uncompressed) files with Unix modes: `(name, contents, mode)`. For tests,
/// benchmarks and tools that build deployment packages.
pub fn build(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, mode) in files {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend((0x0314u16).to_le_bytes()); // made by: Unix, spec 2.0
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(0u16.to_le_bytes()); // stored
            h.extend(0u32.to_le_bytes()); // time, date
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend(0u16.to_le_bytes()); // comment
                h.extend(0u16.to_le_bytes()); // disk
                h.extend(0u16.to_le_bytes()); // internal attributes
                h.extend(((0o100000 | mode) << 16).to_le_bytes());
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((files.len() as u16).to_le_bytes());
    out.extend((files.len() as u16).to_le_bytes());
    out.extend(cd_size.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("sekisho-zip-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn round_trip_keeps_modes() {
        use std::os::unix::fs::PermissionsExt;
        let zip = build(&[("bootstrap", b"#!/bin/sh\n", 0o755), ("python/m.py", b"x = 1\n", 0o644)]);
        let list = entries(&zip).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(unzipped_size(&zip).unwrap(), 16);
        let d = scratch("modes");
        extract(&zip, &d, 1 << 20).unwrap();
        let mode = std::fs::metadata(d.join("bootstrap")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(std::fs::read_to_string(d.join("python/m.py")).unwrap(), "x = 1\n");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn deflated_entries_inflate() {
        // "hello hello hello\n" deflated by Python's zipfile (ZIP_DEFLATED).
        let deflated: &[u8] = &[0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x5c, 0x00];
        let mut zip = build(&[("a.txt", deflated, 0o644)]);
        // Patch method (8) and sizes in both headers to describe a deflated entry of 18 bytes.
        let local_method = 8;
        zip[local_method..local_method + 2].copy_from_slice(&8u16.to_le_bytes());
        zip[22..26].copy_from_slice(&18u32.to_le_bytes());
        let cd = zip.windows(4).position(|w| w == 0x0201_4b50u32.to_le_bytes()).unwrap();
        zip[cd + 10..cd + 12].copy_from_slice(&8u16.to_le_bytes());
        zip[cd + 24..cd + 28].copy_from_slice(&18u32.to_le_bytes());
        let e = &entries(&zip).unwrap()[0];
        assert_eq!(read_entry(&zip, e).unwrap(), b"hello hello hello\n");
    }

    #[test]
    fn garbage_and_escapes_are_refused() {
        assert!(matches!(entries(b"not a zip at all, definitely not"), Err(ZipError::Corrupt(_))));
        let zip = build(&[("../evil", b"x", 0o644), ("/abs", b"y", 0o644), ("ok", b"z", 0o644)]);
        let d = scratch("escape");
        extract(&zip, &d, 1 << 20).unwrap();
        assert!(d.join("ok").exists());
        assert!(!d.parent().unwrap().join("evil").exists());
        assert_eq!(extract(&zip, &d, 1), Err(ZipError::TooLarge(3)));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
