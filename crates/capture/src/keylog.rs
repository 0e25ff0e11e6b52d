//! Keys for decrypting captures (being written): IKE SA and ESP SA keys from the harness's
//! own key log and from Wireshark's `ikev2_decryption_table` and `esp_sa` files.

#[derive(Debug, Default, Clone)]
pub struct KeyLog {}
