//! Mobile IPv4 (RFC 5944) roles of the dual-stack bootstrapping of
//! draft-qin-mip6-dsbootstrapping-00: the Foreign Home Agent ([`fha`]), which is the MN's
//! Mobile IPv4 home agent in the access network (draft §4: "FHA is the 'home agent' of the
//! mobile node").

pub mod fha;
