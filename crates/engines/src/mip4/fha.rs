//! The Foreign Home Agent (draft-qin-mip6-dsbootstrapping-00 §4.1.1, §4.2.1): filled by its own change.
