//! Zip archives as Lambda reads deployment packages and layers: the central directory, stored and
//! deflated entries, Unix modes (so `bootstrap` stays executable) and symlinks; nothing escapes the target.
//!
//! Safety rules, checked when a package is uploaded (`validate`) and again while unpacking (`extract`):
//! names are relative and never climb (`..`, absolute and empty names are refused); a symlink's target
//! is relative and stays inside the package (its leading `..` steps do not climb above the package
//! root, and no `..` follows a name, so the target cannot climb back out through another link); no
//! entry is written through a symlink (a link that is also a directory of another entry is refused, and
//! unpacking never follows a link); every entry inflates to exactly its declared size, so a zip bomb is
//! refused by its declared size before anything is inflated and by its actual size while inflating.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an archive cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum ZipError {
    /// Not a zip, truncated, or using features Lambda does not accept (encryption, unknown compression).
    Corrupt(String),
    /// An entry that would land outside the target or be written through a symlink.
    Unsafe(String),
    /// Unzipped, the archive is larger than the limit.
    TooLarge(u64),
    Io(String),
}

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZipError::Corrupt(why) => write!(f, "corrupt archive: {why}"),
            ZipError::Unsafe(why) => write!(f, "unsafe archive: {why}"),
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

/// The longest symlink target an archive may carry (Linux's `PATH_MAX`).
const MAX_LINK_TARGET: u64 = 4096;
/// How much inflated data is handled at once: entries are streamed, never held whole in memory.
const CHUNK: usize = 64 * 1024;

/// The sum of the entries' declared uncompressed sizes.
pub fn unzipped_size(zip: &[u8]) -> Result<u64, ZipError> {
    Ok(entries(zip)?.iter().map(|e| e.size).sum())
}

fn unsafe_entry(why: String) -> ZipError {
    ZipError::Unsafe(why)
}

/// The components of an entry's name below the target directory (empty for the directory itself).
fn components(name: &str) -> Result<Vec<&str>, ZipError> {
    if name.contains('\0') {
        return Err(unsafe_entry(format!("{name:?} holds a NUL byte")));
    }
    if name.starts_with('/') {
        return Err(unsafe_entry(format!("{name:?} is an absolute path")));
    }
    let mut out = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(unsafe_entry(format!("{name:?} climbs out of the package"))),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A symlink at `parts` may point at `target` only when the target is relative, its leading `..` steps
/// stay within the package (they climb through the link's own directories, which are real ones), and no
/// `..` comes after a name (that name could itself be a link, and `..` would then climb from wherever
/// it points). Every link obeying this resolves inside the package, links through links included.
fn check_link(parts: &[&str], target: &str) -> Result<(), ZipError> {
    let bad = |why: &str| Err(unsafe_entry(format!("symlink {} -> {target:?} {why}", parts.join("/"))));
    if target.is_empty() || target.contains('\0') {
        return bad("has no usable target");
    }
    if target.starts_with('/') {
        return bad("points outside the package (an absolute target)");
    }
    let depth = parts.len().saturating_sub(1);
    let (mut ups, mut named) = (0usize, false);
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." if named => return bad("climbs after a name (it could leave the package through another link)"),
            ".." => {
                ups += 1;
                if ups > depth {
                    return bad("points outside the package");
                }
            }
            _ => named = true,
        }
    }
    Ok(())
}

/// The bytes of an entry as stored (compressed).
fn stored_data<'a>(zip: &'a [u8], e: &EntryMeta) -> Result<&'a [u8], ZipError> {
    let at = usize::try_from(e.local_header_offset).map_err(|_| corrupt("bad offset"))?;
    if u32_at(zip, at) != Some(0x0403_4b50) {
        return Err(corrupt("bad local header"));
    }
    let name_len = u16_at(zip, at + 26).ok_or_else(|| corrupt("truncated"))? as usize;
    let extra_len = u16_at(zip, at + 28).ok_or_else(|| corrupt("truncated"))? as usize;
    let start = at + 30 + name_len + extra_len;
    let len = usize::try_from(e.compressed_size).map_err(|_| corrupt("bad size"))?;
    zip.get(start..start.saturating_add(len)).ok_or_else(|| corrupt("truncated entry"))
}

/// Streams an entry's uncompressed bytes to `sink`, refusing it once it passes `budget` bytes (the
/// unzipped limit left: a zip bomb is stopped by what it really inflates to, whatever it declares).
/// Returns the entry's real size, which the caller compares with the declared one.
fn inflate_entry(
    zip: &[u8],
    e: &EntryMeta,
    budget: u64,
    mut sink: impl FnMut(&[u8]) -> Result<(), ZipError>,
) -> Result<u64, ZipError> {
    use miniz_oxide::inflate::stream::{InflateState, inflate};
    use miniz_oxide::{DataFormat, MZFlush, MZStatus};
    let data = stored_data(zip, e)?;
    match e.method {
        0 => {
            let size = data.len() as u64;
            if size > budget {
                return Err(ZipError::TooLarge(size));
            }
            data.chunks(CHUNK).try_for_each(&mut sink)?;
            Ok(size)
        }
        8 => {
            let mut state = InflateState::new_boxed(DataFormat::Raw);
            let mut out = vec![0u8; CHUNK];
            let (mut input, mut written) = (data, 0u64);
            loop {
                let r = inflate(&mut state, input, &mut out, MZFlush::None);
                input = input.get(r.bytes_consumed..).unwrap_or_default();
                written += r.bytes_written as u64;
                if written > budget {
                    return Err(ZipError::TooLarge(written));
                }
                sink(&out[..r.bytes_written])?;
                match r.status {
                    Ok(MZStatus::StreamEnd) => return Ok(written),
                    Ok(_) if r.bytes_consumed > 0 || r.bytes_written > 0 => {}
                    _ => return Err(ZipError::Corrupt(format!("{}: bad deflate stream", e.name))),
                }
            }
        }
        other => Err(ZipError::Corrupt(format!("compression method {other} is not supported"))),
    }
}

/// A symlink entry's target.
fn link_target(zip: &[u8], e: &EntryMeta) -> Result<String, ZipError> {
    if e.size > MAX_LINK_TARGET {
        return Err(unsafe_entry(format!("symlink {} has a target of {} bytes", e.name, e.size)));
    }
    let mut bytes = Vec::new();
    inflate_entry(zip, e, MAX_LINK_TARGET, |b| {
        bytes.extend_from_slice(b);
        Ok(())
    })?;
    String::from_utf8(bytes).map_err(|_| corrupt("a symlink target is not UTF-8"))
}

/// One entry, checked: where it goes and, for a symlink, where it points.
struct Planned<'a> {
    meta: &'a EntryMeta,
    parts: Vec<&'a str>,
    link: Option<String>,
}

/// Everything that can be checked without inflating files: the declared total against `limit`, every
/// name, every link, and no entry below a link or a file.
fn plan<'a>(zip: &[u8], list: &'a [EntryMeta], limit: u64) -> Result<Vec<Planned<'a>>, ZipError> {
    use std::collections::HashSet;
    let declared: u64 = list.iter().map(|e| e.size).sum();
    if declared > limit {
        return Err(ZipError::TooLarge(declared));
    }
    let mut out = Vec::with_capacity(list.len());
    let (mut parents, mut links, mut files) = (HashSet::new(), HashSet::new(), HashSet::new());
    for meta in list {
        let parts = components(&meta.name)?;
        for i in 1..parts.len() {
            parents.insert(parts[..i].join("/"));
        }
        let mut link = None;
        match meta.kind {
            Kind::Dir => {
                parents.insert(parts.join("/"));
            }
            Kind::File if parts.is_empty() => return Err(corrupt("a file entry has no name")),
            Kind::File => {
                files.insert(parts.join("/"));
            }
            Kind::Symlink if parts.is_empty() => return Err(corrupt("a symlink entry has no name")),
            Kind::Symlink => {
                let target = link_target(zip, meta)?;
                check_link(&parts, &target)?;
                links.insert(parts.join("/"));
                link = Some(target);
            }
        }
        out.push(Planned { meta, parts, link });
    }
    if let Some(l) = links.iter().find(|l| parents.contains(*l)) {
        return Err(unsafe_entry(format!("{l} is a symlink with entries below it: they would be written through it")));
    }
    if let Some(f) = files.iter().find(|f| parents.contains(*f)) {
        return Err(ZipError::Corrupt(format!("{f} is both a file and a directory")));
    }
    Ok(out)
}

/// Checks a package as Lambda does on upload: readable, safe (see the module's rules) and within `limit`
/// unzipped, by the sizes it declares and by what its entries really inflate to. Returns the unzipped
/// size. Nothing is written anywhere; inflated bytes are counted and dropped.
pub fn validate(zip: &[u8], limit: u64) -> Result<u64, ZipError> {
    let list = entries(zip)?;
    let planned = plan(zip, &list, limit)?;
    let mut total = 0u64;
    for p in planned.iter().filter(|p| p.meta.kind == Kind::File) {
        let size = inflate_entry(zip, p.meta, limit - total, |_| Ok(()))?;
        if size != p.meta.size {
            return Err(ZipError::Corrupt(format!(
                "{} inflates to {size} bytes, not the {} it declares",
                p.meta.name, p.meta.size
            )));
        }
        total += size;
    }
    Ok(total)
}

/// The path of `parts` under `dir`, creating the directories on the way; a symlink or a file on the way
/// is refused, so nothing is ever written through a link.
fn place(dir: &Path, parts: &[&str]) -> Result<PathBuf, ZipError> {
    let io = |e: std::io::Error| ZipError::Io(e.to_string());
    let mut at = dir.to_path_buf();
    let Some((last, parents)) = parts.split_last() else { return Ok(at) };
    for p in parents {
        at.push(p);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(unsafe_entry(format!("{} would be written through a symlink", parts.join("/"))));
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(ZipError::Corrupt(format!("{} is below a file", parts.join("/")))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir(&at).map_err(io)?,
            Err(e) => return Err(io(e)),
        }
    }
    at.push(last);
    Ok(at)
}

/// Removes what an earlier entry (or layer) left at `path` for a file or link to take its place: the
/// link itself, never what it points to.
fn clear(path: &Path) -> Result<(), ZipError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Err(ZipError::Corrupt(format!("{} is both a file and a directory", path.display()))),
        Ok(_) => std::fs::remove_file(path).map_err(|e| ZipError::Io(e.to_string())),
        Err(_) => Ok(()),
    }
}

/// Unpacks `zip` into `dir` (created if needed), keeping modes and the symlinks the rules allow, after
/// the same checks as [`validate`]. Returns the unzipped size.
pub fn extract(zip: &[u8], dir: &Path, limit: u64) -> Result<u64, ZipError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let io = |e: std::io::Error| ZipError::Io(e.to_string());
    let list = entries(zip)?;
    let planned = plan(zip, &list, limit)?;
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut total = 0u64;
    for p in &planned {
        let path = place(dir, &p.parts)?;
        match (p.meta.kind, &p.link) {
            (Kind::Dir, _) => match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(unsafe_entry(format!("directory {} is already a file or a link", p.meta.name))),
                Err(_) => std::fs::create_dir(&path).map_err(io)?,
            },
            (Kind::Symlink, Some(target)) => {
                clear(&path)?;
                std::os::unix::fs::symlink(target, &path).map_err(io)?;
            }
            (Kind::Symlink, None) => return Err(corrupt("a symlink without a target")),
            (Kind::File, _) => {
                // A later entry replaces an earlier one, as unpacking layers into /opt in order does;
                // `create_new` never follows a link left in the way.
                clear(&path)?;
                let file =
                    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).map_err(io)?;
                let mut out = std::io::BufWriter::with_capacity(CHUNK, file);
                let size = inflate_entry(zip, p.meta, limit - total, |b| out.write_all(b).map_err(io))?;
                if size != p.meta.size {
                    return Err(ZipError::Corrupt(format!(
                        "{} inflates to {size} bytes, not {}",
                        p.meta.name, p.meta.size
                    )));
                }
                total += size;
                let file = out.into_inner().map_err(|e| ZipError::Io(e.to_string()))?;
                file.set_permissions(std::fs::Permissions::from_mode(p.meta.mode)).map_err(io)?;
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

/// One entry for [`build_entries`]: how it is stored and what its headers declare.
#[derive(Debug, Clone)]
pub struct RawEntry<'a> {
    pub name: &'a str,
    /// The bytes as stored (already deflated for method 8).
    pub data: &'a [u8],
    /// 0 stored, 8 deflated.
    pub method: u16,
    /// The uncompressed size the headers declare (a zip bomb lies here).
    pub declared_size: u32,
    /// The Unix `st_mode`, file type included (`0o100644`, `0o120777` for a symlink, ...).
    pub unix_mode: u32,
}

impl<'a> RawEntry<'a> {
    /// A stored regular file.
    pub fn file(name: &'a str, data: &'a [u8], mode: u32) -> RawEntry<'a> {
        RawEntry { name, data, method: 0, declared_size: data.len() as u32, unix_mode: 0o100000 | mode }
    }

    /// A symlink to `target`.
    pub fn symlink(name: &'a str, target: &'a str) -> RawEntry<'a> {
        RawEntry { name, data: target.as_bytes(), method: 0, declared_size: target.len() as u32, unix_mode: 0o120777 }
    }

    /// A deflated file whose uncompressed content is `declared_size` bytes (`deflated` from [`deflate`]).
    pub fn deflated(name: &'a str, deflated: &'a [u8], declared_size: u32) -> RawEntry<'a> {
        RawEntry { name, data: deflated, method: 8, declared_size, unix_mode: 0o100644 }
    }
}

/// Raw deflate of `data`, for building deflated entries.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(data, 6)
}

/// Writes a zip of stored (uncompressed) files with Unix modes: `(name, contents, mode)`. For tests,
/// benchmarks and tools that build deployment packages.
pub fn build(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let entries: Vec<RawEntry> = files.iter().map(|(n, d, m)| RawEntry::file(n, d, *m)).collect();
    build_entries(&entries)
}

/// Writes a zip of `entries` exactly as described (the CRC is left 0: nothing here checks it).
pub fn build_entries(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let crc = if e.method == 0 { crc32(e.data) } else { 0 };
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend((0x0314u16).to_le_bytes()); // made by: Unix, spec 2.0
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(e.method.to_le_bytes());
            h.extend(0u32.to_le_bytes()); // time, date
            h.extend(crc.to_le_bytes());
            h.extend((e.data.len() as u32).to_le_bytes());
            h.extend(e.declared_size.to_le_bytes());
            h.extend((e.name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend(0u16.to_le_bytes()); // comment
                h.extend(0u16.to_le_bytes()); // disk
                h.extend(0u16.to_le_bytes()); // internal attributes
                h.extend((e.unix_mode << 16).to_le_bytes());
                h.extend(offset.to_le_bytes());
            }
            h.extend(e.name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(e.data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
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

    /// Every path under `root`, to show nothing was written anywhere else.
    fn listing(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = entry.path();
                out.push(p.strip_prefix(root).unwrap_or(&p).to_string_lossy().into_owned());
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(p);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn round_trip_keeps_modes() {
        use std::os::unix::fs::PermissionsExt;
        let zip = build(&[("bootstrap", b"#!/bin/sh\n", 0o755), ("python/m.py", b"x = 1\n", 0o644)]);
        let list = entries(&zip).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(unzipped_size(&zip).unwrap(), 16);
        assert_eq!(validate(&zip, 1 << 20).unwrap(), 16);
        let d = scratch("modes");
        extract(&zip, &d, 1 << 20).unwrap();
        let mode = std::fs::metadata(d.join("bootstrap")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(std::fs::read_to_string(d.join("python/m.py")).unwrap(), "x = 1\n");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn deflated_entries_inflate() {
        let text = b"hello hello hello\n".repeat(1000);
        let packed = deflate(&text);
        let zip = build_entries(&[RawEntry::deflated("a.txt", &packed, text.len() as u32)]);
        assert_eq!(validate(&zip, 1 << 20).unwrap(), text.len() as u64);
        let d = scratch("deflated");
        extract(&zip, &d, 1 << 20).unwrap();
        assert_eq!(std::fs::read(d.join("a.txt")).unwrap(), text);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn garbage_climbing_and_absolute_names_are_refused() {
        assert!(matches!(entries(b"not a zip at all, definitely not"), Err(ZipError::Corrupt(_))));
        for name in ["../evil", "/abs", "a/../../evil", "ok/../../../etc/x"] {
            let zip = build(&[("ok", b"z", 0o644), (name, b"x", 0o644)]);
            assert!(matches!(validate(&zip, 1 << 20), Err(ZipError::Unsafe(_))), "{name}");
            let d = scratch("escape");
            assert!(matches!(extract(&zip, &d, 1 << 20), Err(ZipError::Unsafe(_))), "{name}");
            assert!(!d.parent().unwrap().join("evil").exists());
            let _ = std::fs::remove_dir_all(&d);
        }
        assert_eq!(validate(&build(&[("ok", b"zzz", 0o644)]), 1), Err(ZipError::TooLarge(3)));
    }

    #[test]
    fn symlinks_stay_inside_the_package() {
        let outside = scratch("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let victim = outside.join("victim");
        let inside_ok = [
            RawEntry::symlink("lib/libfoo.so", "libfoo.so.1"),
            RawEntry::file("lib/libfoo.so.1", b"elf", 0o755),
            RawEntry::symlink("bin/tool", "../lib/libfoo.so.1"),
            RawEntry::symlink("here", "."),
        ];
        let zip = build_entries(&inside_ok);
        validate(&zip, 1 << 20).unwrap();
        let d = scratch("links-ok");
        extract(&zip, &d, 1 << 20).unwrap();
        assert_eq!(std::fs::read(d.join("bin/tool")).unwrap(), b"elf");
        let _ = std::fs::remove_dir_all(&d);

        let victim_text = victim.to_string_lossy().into_owned();
        let escapes: Vec<Vec<RawEntry>> = vec![
            // An absolute target, and a file written through it.
            vec![RawEntry::symlink("out", &victim_text), RawEntry::file("out", b"pwned", 0o644)],
            // A directory link out of the package, then a file below it.
            vec![RawEntry::symlink("d", "../outside"), RawEntry::file("d/victim", b"pwned", 0o644)],
            // A link that climbs above the package root.
            vec![RawEntry::symlink("a/b", "../../x")],
            // `..` after a name could climb out through another link.
            vec![RawEntry::symlink("s/b", ".."), RawEntry::symlink("a", "s/b/..")],
            // An in-package link used as a directory: the later entry would be written through it.
            vec![
                RawEntry::file("real/f", b"", 0o644),
                RawEntry::symlink("l", "real"),
                RawEntry::file("l/g", b"", 0o644),
            ],
        ];
        for entries in &escapes {
            let zip = build_entries(entries);
            assert!(matches!(validate(&zip, 1 << 20), Err(ZipError::Unsafe(_))), "{entries:?}");
            let d = scratch("links-bad");
            assert!(matches!(extract(&zip, &d, 1 << 20), Err(ZipError::Unsafe(_))), "{entries:?}");
            let _ = std::fs::remove_dir_all(&d);
        }
        assert!(!victim.exists());
        assert_eq!(listing(&outside), Vec::<String>::new());
        let _ = std::fs::remove_dir_all(&outside);
    }

    #[test]
    fn a_later_file_replaces_a_link_instead_of_writing_through_it() {
        let d = scratch("replace");
        let zip = build_entries(&[
            RawEntry::file("target", b"kept", 0o644),
            RawEntry::symlink("x", "target"),
            RawEntry::file("x", b"new", 0o644),
        ]);
        extract(&zip, &d, 1 << 20).unwrap();
        assert_eq!(std::fs::read(d.join("target")).unwrap(), b"kept");
        assert_eq!(std::fs::read(d.join("x")).unwrap(), b"new");
        assert!(!std::fs::symlink_metadata(d.join("x")).unwrap().file_type().is_symlink());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn zip_bombs_are_refused_by_declared_and_by_actual_size() {
        let limit = 1 << 20;
        // Declared: two honest-looking entries whose declared sizes add up past the limit.
        let big = deflate(&vec![0u8; 600_000]);
        let declared = build_entries(&[RawEntry::deflated("a", &big, 600_000), RawEntry::deflated("b", &big, 600_000)]);
        assert_eq!(validate(&declared, limit), Err(ZipError::TooLarge(1_200_000)));
        // Actual: 8 MB of zeros that declares 10 bytes; inflating stops at the limit.
        let bomb = deflate(&vec![0u8; 8 << 20]);
        assert!(bomb.len() < 20_000);
        let lying = build_entries(&[RawEntry::deflated("bomb", &bomb, 10)]);
        assert!(
            matches!(validate(&lying, limit), Err(ZipError::TooLarge(n)) if n > limit && n <= limit + CHUNK as u64)
        );
        let d = scratch("bomb");
        assert!(matches!(extract(&lying, &d, limit), Err(ZipError::TooLarge(_))));
        let _ = std::fs::remove_dir_all(&d);
        // Within the limit but not what it declares: unreadable.
        let small = deflate(&[1u8; 100]);
        let mismatch = build_entries(&[RawEntry::deflated("m", &small, 10)]);
        assert!(matches!(validate(&mismatch, limit), Err(ZipError::Corrupt(_))));
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
