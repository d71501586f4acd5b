//! CF conventions: decoding on read and encoding on write, shared by every driver.
