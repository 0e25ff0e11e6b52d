//! The tokio driver over loopback UDP: harness MN ↔ harness HA, each on its own socket.

mod ikev2_common;

use ikev2_common::*;
use mip6lab_engines::ikev2::{Event, IkeEngine, InitiateRequest};
use mip6lab_engines_io::ikev2::udp::{Driver, KeyLogFiles};
use std::time::Duration;

#[tokio::test]
async fn driver_sets_up_an_sa_over_loopback_and_writes_key_logs() {
    let dir = std::env::temp_dir().join(format!("mip6lab-ikev2-udp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut ha_drv = Driver::bind("[::1]:0".parse().unwrap(), None, None)
        .await
        .unwrap();
    let ha_at = ha_drv.local_addr().unwrap();
    let mut mn_drv = Driver::bind(
        "[::1]:0".parse().unwrap(),
        Some(ha_at),
        Some(KeyLogFiles::new(&dir)),
    )
    .await
    .unwrap();
    let mut ha = IkeEngine::new(ha_config(), rng(11));
    let mut mn = IkeEngine::new(mn_config(), rng(12));
    let ha_task = tokio::spawn(async move {
        ha_drv
            .run_until(&mut ha, Duration::from_secs(10), |e| {
                matches!(e, Event::IkeSaDeleted { .. })
            })
            .await
            .unwrap()
    });
    let out = mn_drv
        .initiate(
            &mut mn,
            InitiateRequest::dynamic_hoa(ha_addr()),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert!(out.established && out.settled, "{:#?}", mn_drv.events);
    assert_eq!(mn.children(out.sa).len(), 1);
    mn.delete_ike(mn_drv.now(), out.sa).unwrap();
    let deleted = mn_drv
        .run_until(&mut mn, Duration::from_secs(10), |e| {
            matches!(e, Event::IkeSaDeleted { .. })
        })
        .await
        .unwrap();
    assert!(deleted);
    assert!(ha_task.await.unwrap(), "the HA saw the Delete");
    let log = mip6lab_capture::keylog::KeyLog::load(dir.join("keys.log")).unwrap();
    assert_eq!((log.ike.len(), log.esp.len()), (1, 2));
    let ws = mip6lab_capture::keylog::KeyLog::load(dir.join("ikev2_decryption_table")).unwrap();
    assert_eq!(ws.ike, log.ike);
    let esp = mip6lab_capture::keylog::KeyLog::load(dir.join("esp_sa")).unwrap();
    assert_eq!(esp.esp.len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
