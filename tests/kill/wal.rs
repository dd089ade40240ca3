//! Reading SQLite's WAL file after a kill, to tell whether the kill landed inside a commit: the
//! WAL then ends in frames of the current generation (right salts, valid checksums) that no
//! commit frame closes. Recovery must ignore them; the harness counts how often it had to.
//!
//! The format (sqlite.org/fileformat2.html#walformat): a 32-byte header, then frames of a
//! 24-byte header and one page. A frame whose header's second word is non-zero ends a commit.

use std::path::Path;

const HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

/// Frames written after the WAL's last commit frame and not followed by one: a transaction cut
/// off mid-commit. 0 for a missing, empty or cleanly ended WAL.
pub fn uncommitted_frames(database: &Path) -> usize {
    let mut name = database.as_os_str().to_owned();
    name.push("-wal");
    std::fs::read(Path::new(&name)).map_or(0, |wal| uncommitted(&wal))
}

fn uncommitted(wal: &[u8]) -> usize {
    let Some(header) = wal.get(..HEADER) else { return 0 };
    let big_endian = match word(header, 0, true) {
        0x377f_0682 => false,
        0x377f_0683 => true,
        _ => return 0,
    };
    let page_size = usize::try_from(word(header, 8, true)).unwrap_or(0);
    let page_size = if page_size == 1 { 65_536 } else { page_size };
    if page_size < 512 {
        return 0;
    }
    let salts = (word(header, 16, true), word(header, 20, true));
    let mut sum = checksum((0, 0), &header[..24], big_endian);
    if sum != (word(header, 24, true), word(header, 28, true)) {
        return 0;
    }
    let (mut valid, mut committed) = (0, 0);
    for frame in wal[HEADER..].chunks_exact(FRAME_HEADER + page_size) {
        if (word(frame, 8, true), word(frame, 12, true)) != salts {
            break;
        }
        sum = checksum(sum, &frame[..8], big_endian);
        sum = checksum(sum, &frame[FRAME_HEADER..], big_endian);
        if sum != (word(frame, 16, true), word(frame, 20, true)) {
            break;
        }
        valid += 1;
        if word(frame, 4, true) != 0 {
            committed = valid;
        }
    }
    valid - committed
}

fn word(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let raw: [u8; 4] = bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).unwrap_or_default();
    if big_endian { u32::from_be_bytes(raw) } else { u32::from_le_bytes(raw) }
}

/// SQLite's WAL checksum, continued from `sum` over `data` (a multiple of 8 bytes).
fn checksum(sum: (u32, u32), data: &[u8], big_endian: bool) -> (u32, u32) {
    let (mut s0, mut s1) = sum;
    for pair in data.chunks_exact(8) {
        s0 = s0.wrapping_add(word(pair, 0, big_endian)).wrapping_add(s1);
        s1 = s1.wrapping_add(word(pair, 4, big_endian)).wrapping_add(s0);
    }
    (s0, s1)
}

#[cfg(test)]
mod tests {
    use super::uncommitted_frames;

    /// A real WAL, then the same WAL without its last frame, as a kill just before the commit
    /// frame was written leaves it: the transaction's other frames are valid but uncommitted.
    #[test]
    fn finds_frames_no_commit_closes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        // Two transactions; the second spans several pages (the blob overflows).
        conn.execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(20000));").unwrap();
        let wal = std::fs::read(dir.path().join("t.db-wal")).unwrap();
        assert_eq!(uncommitted_frames(&db), 0, "a cleanly ended WAL");

        let page = usize::try_from(u32::from_be_bytes(wal[8..12].try_into().unwrap())).unwrap();
        let frames = (wal.len() - 32) / (24 + page);
        let cut = dir.path().join("cut.db");
        std::fs::write(dir.path().join("cut.db-wal"), &wal[..wal.len() - (24 + page)]).unwrap();
        let torn = frames - 1 - previous_commits(&wal, page, frames);
        assert!(torn >= 2, "the second transaction spans several frames");
        assert_eq!(uncommitted_frames(&cut), torn);
        drop(conn);
    }

    /// How many frames before the last belong to earlier commits (the CREATE TABLE's).
    fn previous_commits(wal: &[u8], page: usize, frames: usize) -> usize {
        (0..frames - 1)
            .rev()
            .find(|i| {
                let at = 32 + i * (24 + page);
                wal[at + 4..at + 8] != [0; 4]
            })
            .map_or(0, |i| i + 1)
    }
}
