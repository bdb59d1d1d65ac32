//! The tenant emulator.
