//! A local store whose every write is all or nothing: a key's new bytes go to a temporary
//! key next to it, renamed over it once whole.
//!
//! zarrs' `FilesystemStore` truncates a file and writes it in place, so a writer killed
//! part way (SIGKILL, the out-of-memory killer, a job over its time limit) could leave a
//! chunk of an existing array (a region write, an append into the last partial chunk)
//! or the metadata of an existing store cut short: a store that claims a chunk that does
//! not decode, or that no longer opens. With this store such a writer leaves each key
//! either old or new. A temporary key left by a killed writer is never a chunk or
//! metadata key (`.<name>.xr-tmp-<pid>-<n>`), so readers ignore it.

use std::sync::atomic::{AtomicU64, Ordering};

use zarrs::filesystem::FilesystemStore;
use zarrs::storage::byte_range::ByteRangeIterator;
use zarrs::storage::{
    AtomicRenameStorageTraits, Bytes, ListableStorageTraits, MaybeBytes, MaybeBytesIterator,
    OffsetBytesIterator, ReadableStorageTraits, StorageError, StoreKey, StoreKeys,
    StoreKeysPrefixes, StorePrefix, WritableStorageTraits,
};

/// A `FilesystemStore` that writes each key through a temporary key and a rename.
#[derive(Debug)]
pub(crate) struct AtomicFilesystemStore {
    inner: FilesystemStore,
}

/// Numbers the temporary keys of this process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

impl AtomicFilesystemStore {
    pub(crate) fn new(inner: FilesystemStore) -> Self {
        AtomicFilesystemStore { inner }
    }

    /// A temporary key in the same directory as `key` (so the rename stays on one
    /// filesystem).
    fn temp_key(key: &StoreKey) -> Result<StoreKey, StorageError> {
        let k = key.as_str();
        let (dir, name) = k.rsplit_once('/').map_or(("", k), |(d, n)| (d, n));
        let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let temp = format!(".{name}.xr-tmp-{}-{n}", std::process::id());
        let full = if dir.is_empty() {
            temp
        } else {
            format!("{dir}/{temp}")
        };
        StoreKey::new(full).map_err(|e| StorageError::Other(e.to_string()))
    }
}

impl ReadableStorageTraits for AtomicFilesystemStore {
    fn get(&self, key: &StoreKey) -> Result<MaybeBytes, StorageError> {
        self.inner.get(key)
    }

    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> Result<MaybeBytesIterator<'a>, StorageError> {
        self.inner.get_partial_many(key, byte_ranges)
    }

    fn size_key(&self, key: &StoreKey) -> Result<Option<u64>, StorageError> {
        self.inner.size_key(key)
    }

    fn supports_get_partial(&self) -> bool {
        self.inner.supports_get_partial()
    }
}

impl ListableStorageTraits for AtomicFilesystemStore {
    fn list(&self) -> Result<StoreKeys, StorageError> {
        self.inner.list()
    }

    fn list_prefix(&self, prefix: &StorePrefix) -> Result<StoreKeys, StorageError> {
        self.inner.list_prefix(prefix)
    }

    fn list_dir(&self, prefix: &StorePrefix) -> Result<StoreKeysPrefixes, StorageError> {
        self.inner.list_dir(prefix)
    }

    fn size_prefix(&self, prefix: &StorePrefix) -> Result<u64, StorageError> {
        self.inner.size_prefix(prefix)
    }

    fn size(&self) -> Result<u64, StorageError> {
        self.inner.size()
    }
}

impl WritableStorageTraits for AtomicFilesystemStore {
    fn set(&self, key: &StoreKey, value: Bytes) -> Result<(), StorageError> {
        let temp = Self::temp_key(key)?;
        if let Err(e) = self.inner.set(&temp, value) {
            let _ = self.inner.erase(&temp);
            return Err(e);
        }
        self.inner.rename(&temp, key).inspect_err(|_| {
            let _ = self.inner.erase(&temp);
        })
    }

    fn set_partial_many(
        &self,
        key: &StoreKey,
        offset_values: OffsetBytesIterator,
    ) -> Result<(), StorageError> {
        self.inner.set_partial_many(key, offset_values)
    }

    fn erase(&self, key: &StoreKey) -> Result<(), StorageError> {
        self.inner.erase(key)
    }

    fn erase_many(&self, keys: &[StoreKey]) -> Result<(), StorageError> {
        self.inner.erase_many(keys)
    }

    fn erase_prefix(&self, prefix: &StorePrefix) -> Result<(), StorageError> {
        self.inner.erase_prefix(prefix)
    }

    fn supports_set_partial(&self) -> bool {
        // Partial writes would be in place: zarrs then rewrites whole keys instead.
        false
    }
}
