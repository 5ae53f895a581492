//! A streaming ZIP writer (stored entries, no compression): each entry's header goes out before
//! its data, sizes and CRC-32 follow in a data descriptor, the directory comes last. Enough for
//! exports of JSON and already-compressed scans, without holding a file whole in memory.

use bytes::Bytes;

struct Entry {
    name: Vec<u8>,
    crc: u32,
    size: u32,
    offset: u32,
}

#[derive(Default)]
pub struct ZipWriter {
    entries: Vec<Entry>,
    written: u32,
    current: Option<(Vec<u8>, crc32fast::Hasher, u32, u32)>,
}

#[derive(Debug, thiserror::Error)]
#[error("the archive is larger than 4 GiB")]
pub struct TooLarge;

impl ZipWriter {
    fn count(&mut self, n: usize) -> Result<(), TooLarge> {
        let n = u32::try_from(n).map_err(|_| TooLarge)?;
        self.written = self.written.checked_add(n).ok_or(TooLarge)?;
        Ok(())
    }

    /// Starts an entry; returns the bytes of its local header.
    pub fn start(&mut self, name: &str) -> Result<Bytes, TooLarge> {
        let name = name.as_bytes().to_vec();
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
        h.extend_from_slice(&20_u16.to_le_bytes()); // version needed
        h.extend_from_slice(&0x0808_u16.to_le_bytes()); // data descriptor + UTF-8 names
        h.extend_from_slice(&0_u16.to_le_bytes()); // stored
        h.extend_from_slice(&[0, 0, 0x21, 0]); // time 00:00, date 1980-01-01
        h.extend_from_slice(&[0; 12]); // crc and sizes: in the descriptor
        h.extend_from_slice(
            &u16::try_from(name.len())
                .map_err(|_| TooLarge)?
                .to_le_bytes(),
        );
        h.extend_from_slice(&0_u16.to_le_bytes());
        h.extend_from_slice(&name);
        let offset = self.written;
        self.count(h.len())?;
        self.current = Some((name, crc32fast::Hasher::new(), 0, offset));
        Ok(Bytes::from(h))
    }

    /// Passes a piece of the current entry's data through, counting it.
    pub fn data(&mut self, chunk: Bytes) -> Result<Bytes, TooLarge> {
        if let Some((_, hasher, size, _)) = self.current.as_mut() {
            hasher.update(&chunk);
            *size = size
                .checked_add(u32::try_from(chunk.len()).map_err(|_| TooLarge)?)
                .ok_or(TooLarge)?;
        }
        self.count(chunk.len())?;
        Ok(chunk)
    }

    /// Ends the current entry; returns its data descriptor.
    pub fn finish_entry(&mut self) -> Result<Bytes, TooLarge> {
        let Some((name, hasher, size, offset)) = self.current.take() else {
            return Ok(Bytes::new());
        };
        let crc = hasher.finalize();
        let mut d = Vec::with_capacity(16);
        d.extend_from_slice(&0x0807_4b50_u32.to_le_bytes());
        d.extend_from_slice(&crc.to_le_bytes());
        d.extend_from_slice(&size.to_le_bytes());
        d.extend_from_slice(&size.to_le_bytes());
        self.count(d.len())?;
        self.entries.push(Entry {
            name,
            crc,
            size,
            offset,
        });
        Ok(Bytes::from(d))
    }

    /// The central directory and its end record.
    pub fn finish(mut self) -> Result<Bytes, TooLarge> {
        let start = self.written;
        let mut c = Vec::new();
        for e in &self.entries {
            c.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
            c.extend_from_slice(&20_u16.to_le_bytes()); // made by
            c.extend_from_slice(&20_u16.to_le_bytes()); // needed
            c.extend_from_slice(&0x0808_u16.to_le_bytes());
            c.extend_from_slice(&0_u16.to_le_bytes());
            c.extend_from_slice(&[0, 0, 0x21, 0]);
            c.extend_from_slice(&e.crc.to_le_bytes());
            c.extend_from_slice(&e.size.to_le_bytes());
            c.extend_from_slice(&e.size.to_le_bytes());
            c.extend_from_slice(
                &u16::try_from(e.name.len())
                    .map_err(|_| TooLarge)?
                    .to_le_bytes(),
            );
            c.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
            c.extend_from_slice(&e.offset.to_le_bytes());
            c.extend_from_slice(&e.name);
        }
        let count = u16::try_from(self.entries.len()).map_err(|_| TooLarge)?;
        let size = u32::try_from(c.len()).map_err(|_| TooLarge)?;
        self.count(c.len())?;
        c.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
        c.extend_from_slice(&[0; 4]); // disk numbers
        c.extend_from_slice(&count.to_le_bytes());
        c.extend_from_slice(&count.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&start.to_le_bytes());
        c.extend_from_slice(&0_u16.to_le_bytes());
        Ok(Bytes::from(c))
    }
}
