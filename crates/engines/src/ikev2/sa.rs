//! The state of one IKE SA and its exchange windows.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// Initiator: IKE_SA_INIT sent.
    InitSent,
    /// Initiator: IKE_AUTH sent.
    AuthSent,
    /// Responder: IKE_SA_INIT answered, waiting for IKE_AUTH.
    HalfOpen,
    Established,
}

#[derive(Debug, Clone)]
pub(super) enum ReqKind {
    Init,
    Auth,
    AuthEap,
    AuthFinal,
    CreateChild {
        spi: u32,
        nonce: Vec<u8>,
        req: ChildRequest,
        rekey_of: Option<u32>,
    },
    DeleteIke,
    DeleteChildren(Vec<u32>),
    Liveness,
}

#[derive(Debug, Clone)]
pub(super) enum PendingReq {
    CreateChild {
        req: ChildRequest,
        rekey_of: Option<u32>,
    },
    DeleteIke,
    DeleteChildren(Vec<u32>),
    Liveness,
}

#[derive(Debug, Clone)]
pub(super) struct Outstanding {
    pub(super) msg_id: u32,
    pub(super) bytes: Vec<u8>,
    pub(super) kind: ReqKind,
    pub(super) sent_at: u64,
    pub(super) retransmits: u32,
}

pub(super) struct IkeSa {
    pub(super) role: IkeRole,
    pub(super) state: State,
    pub(super) ispi: [u8; 8],
    pub(super) rspi: [u8; 8],
    /// Where this SA's messages go: the responder as the initiator was told, the initiator
    /// where its last authenticated message came from (RFC 7296 §2.11).
    pub(super) peer: SocketAddr,
    pub(super) created: u64,
    // IKE_SA_INIT material.
    pub(super) group: DhGroup,
    pub(super) dh: Option<DhKey>,
    pub(super) ni: Vec<u8>,
    pub(super) nr: Vec<u8>,
    pub(super) cookie: Option<Vec<u8>>,
    pub(super) init_retries: u32,
    /// Our IKE_SA_INIT message as sent (request or response), for AUTH.
    pub(super) my_init: Vec<u8>,
    /// The peer's IKE_SA_INIT message.
    pub(super) peer_init: Vec<u8>,
    /// The responder's IKE_SA_INIT request bytes (to spot retransmissions).
    pub(super) init_request: Vec<u8>,
    pub(super) keys: Option<IkeKeys>,
    pub(super) psk: Vec<u8>,
    pub(super) peer_id: Option<Id>,
    // Initiator's IKE_AUTH.
    pub(super) auth_req: Option<InitiateRequest>,
    pub(super) auth_child_spi: u32,
    pub(super) eap: Option<EapCtx>,
    // Windows.
    pub(super) next_req_id: u32,
    pub(super) outstanding: Option<Outstanding>,
    pub(super) pending: VecDeque<PendingReq>,
    pub(super) peer_next_id: u32,
    pub(super) last_response: Option<(u32, Vec<u8>)>,
    pub(super) children: Vec<ChildSa>,
    /// Responder: addresses or range the peer may use as TSi (its HoA or the home prefix).
    pub(super) allowed_tsi: Option<(Ipv6Addr, Ipv6Addr)>,
    pub(super) assigned: Option<Ipv6Addr>,
    /// The peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427), empty when it sent none.
    pub(super) peer_hashes: Vec<u16>,
}

impl IkeSa {
    pub(super) fn local_spi(&self) -> [u8; 8] {
        match self.role {
            IkeRole::Initiator => self.ispi,
            IkeRole::Responder => self.rspi,
        }
    }

    pub(super) fn my_keys(&self) -> Option<DirectionKeys> {
        let k = self.keys.as_ref()?;
        Some(match self.role {
            IkeRole::Initiator => k.initiator(),
            IkeRole::Responder => k.responder(),
        })
    }

    pub(super) fn peer_keys(&self) -> Option<DirectionKeys> {
        let k = self.keys.as_ref()?;
        Some(match self.role {
            IkeRole::Initiator => k.responder(),
            IkeRole::Responder => k.initiator(),
        })
    }

    pub(super) fn my_flags(&self, response: bool) -> u8 {
        let mut f = 0;
        if self.role == IkeRole::Initiator {
            f |= flags::I;
        }
        if response {
            f |= flags::R;
        }
        f
    }
}

/// The responder's cookie secrets: the current one and the one before it.
pub(super) struct CookieSecrets {
    pub(super) version: u8,
    pub(super) current: [u8; 32],
    pub(super) previous: Option<(u8, [u8; 32])>,
    /// When `current` was made (engine milliseconds).
    pub(super) since: u64,
}

/// The IKE SAs, addressed by [`SaId`] (this end's SPI). Iteration is in creation order,
/// which decides which SA is evicted first and the order of timer work and outputs.
#[derive(Default)]
pub(super) struct SaTable {
    by_age: std::collections::BTreeMap<u64, IkeSa>,
    age_of: std::collections::HashMap<SaId, u64>,
    next_age: u64,
}

impl SaTable {
    /// Adds an SA; its handle is its local SPI, which must not be in use.
    pub(super) fn insert(&mut self, sa: IkeSa) -> SaId {
        let id = SaId(sa.local_spi());
        debug_assert!(!self.age_of.contains_key(&id), "SPI already in use");
        let age = self.next_age;
        self.next_age += 1;
        self.age_of.insert(id, age);
        self.by_age.insert(age, sa);
        id
    }

    pub(super) fn remove(&mut self, id: SaId) -> Option<IkeSa> {
        let age = self.age_of.remove(&id)?;
        self.by_age.remove(&age)
    }

    pub(super) fn get(&self, id: SaId) -> Option<&IkeSa> {
        self.by_age.get(self.age_of.get(&id)?)
    }

    pub(super) fn get_mut(&mut self, id: SaId) -> Option<&mut IkeSa> {
        self.by_age.get_mut(self.age_of.get(&id)?)
    }

    pub(super) fn contains(&self, id: SaId) -> bool {
        self.age_of.contains_key(&id)
    }

    pub(super) fn len(&self) -> usize {
        self.by_age.len()
    }

    /// The SAs, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &IkeSa> {
        self.by_age.values()
    }

    /// The handles, oldest first: a snapshot for loops that may remove SAs.
    pub(super) fn ids(&self) -> Vec<SaId> {
        self.iter().map(|s| SaId(s.local_spi())).collect()
    }

    /// The first SA (oldest first) that `pred` accepts.
    pub(super) fn find(&self, pred: impl Fn(&IkeSa) -> bool) -> Option<SaId> {
        self.iter().find(|s| pred(s)).map(|s| SaId(s.local_spi()))
    }
}

impl std::ops::Index<SaId> for SaTable {
    type Output = IkeSa;
    /// Panics when the SA is gone: callers hold handles of SAs they just looked up.
    fn index(&self, id: SaId) -> &IkeSa {
        self.get(id).expect("IKE SA handle of a live SA")
    }
}

impl std::ops::IndexMut<SaId> for SaTable {
    fn index_mut(&mut self, id: SaId) -> &mut IkeSa {
        self.get_mut(id).expect("IKE SA handle of a live SA")
    }
}
