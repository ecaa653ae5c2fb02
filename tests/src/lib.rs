//! Models shared by the workspace tests.
