//! What domain code builds on: filters through relations (has-many,
//! belongs-to, many-to-many), generated operations sharing one transaction
//! with hand-written statements, and duplicate messages with boolean keys.
//!
//! The entities are served by hand-built services (no `#[module]`: the
//! binary's module list stays the library and the shelf); the tables are
//! created by the test.

use std::sync::Arc;

use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::ErrorKind;
use stheno_module_sdk::entity::{EntityFilter, EntityService, FieldFilter, ListConfig};
use stheno_module_sdk::events::{EventBus, RecordingEventBus};
use stheno_module_sdk::list::OrderBy;
use stheno_module_sdk::prelude::*;

#[entity(
    module = "club",
    prefix = "club",
    soft_delete,
    unique(name, open),
    many_to_many(
        members = Member,
        through = "club_member",
        fk = "club_id",
        other_fk = "member_id"
    )
)]
pub struct Club {
    pub id: String,
    pub name: String,
    pub open: bool,
}

#[entity(
    module = "club",
    prefix = "mem",
    soft_delete,
    many_to_many(
        clubs = Club,
        through = "club_member",
        fk = "member_id",
        other_fk = "club_id"
    ),
    has_many(cards = Card, fk = "member_id", cascade)
)]
pub struct Member {
    pub id: String,
    pub name: String,
}

#[entity(
    module = "club",
    prefix = "card",
    soft_delete,
    belongs_to(member = Member, fk = "member_id")
)]
pub struct Card {
    pub id: String,
    pub member_id: String,
    pub number: i32,
    #[entity(default = "false")]
    pub main: bool,
}

const TABLES: &str = r#"
CREATE TABLE club (
    id text PRIMARY KEY, name text NOT NULL, open boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX "IDX_club_name_open" ON club (name, open) WHERE deleted_at IS NULL;
CREATE TABLE member (
    id text PRIMARY KEY, name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE TABLE club_member (
    club_id text NOT NULL REFERENCES club (id) ON DELETE CASCADE,
    member_id text NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    PRIMARY KEY (club_id, member_id)
);
CREATE TABLE card (
    id text PRIMARY KEY, member_id text NOT NULL REFERENCES member (id), number integer NOT NULL,
    main boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
-- One main card per member.
CREATE UNIQUE INDEX "IDX_card_main" ON card (member_id) WHERE main AND deleted_at IS NULL;
"#;

struct Env {
    db: TestDb,
    events: Arc<RecordingEventBus>,
    clubs: EntityService<Club>,
    members: EntityService<Member>,
    cards: EntityService<Card>,
}

async fn env() -> Env {
    let db = TestDb::new().await.unwrap();
    db.pool()
        .get()
        .await
        .unwrap()
        .batch_execute(TABLES)
        .await
        .unwrap();
    let events = Arc::new(RecordingEventBus::default());
    let bus: Arc<dyn EventBus> = events.clone();
    Env {
        clubs: EntityService::from_parts(db.pool().clone(), bus.clone(), Arc::new([])),
        members: EntityService::from_parts(db.pool().clone(), bus.clone(), Arc::new([])),
        cards: EntityService::from_parts(db.pool().clone(), bus, Arc::new([])),
        events,
        db,
    }
}

impl Env {
    /// `club_id` ← `member_id` rows, as domain code writes them.
    async fn join(&self, club: &str, member: &str) {
        let sql = format!("INSERT INTO club_member VALUES ('{club}', '{member}')");
        let mut conn = self.db.pool().get().await.unwrap();
        conn.batch_execute(&sql).await.unwrap();
    }

    async fn member_names(&self, filter: Value) -> Vec<String> {
        let filter: MemberFilter = serde_json::from_value(filter).unwrap();
        let config = ListConfig::default().ordered(vec![OrderBy::asc("name")]);
        let rows = self.members.list(&filter, &config).await.unwrap();
        rows.into_iter().map(|m| m.name).collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_follow_relations() {
    let env = env().await;
    let clubs = env
        .clubs
        .create(vec![
            CreateClub::new("Chess", true),
            CreateClub::new("Go", false),
        ])
        .await
        .unwrap();
    let members = env
        .members
        .create(vec![
            CreateMember::new("Ann"),
            CreateMember::new("Bo"),
            CreateMember::new("Cy"),
        ])
        .await
        .unwrap();
    let (chess, go) = (&clubs[0].id, &clubs[1].id);
    let (ann, bo) = (&members[0].id, &members[1].id);
    env.join(chess, ann).await;
    env.join(chess, bo).await;
    env.join(go, bo).await;
    let card = env
        .cards
        .create_one(CreateCard::new(bo.as_str(), 7))
        .await
        .unwrap();

    // Many-to-many, both ways; `$in`, `$ne`, and inside `$or`.
    let cases = [
        (json!({"clubs": chess}), vec!["Ann", "Bo"]),
        (json!({"clubs": [go]}), vec!["Bo"]),
        (json!({"clubs": {"$in": [chess, go]}}), vec!["Ann", "Bo"]),
        (json!({"clubs": {"$ne": go}}), vec!["Ann", "Bo"]),
        (
            json!({"$or": [{"clubs": go}, {"name": "Cy"}]}),
            vec!["Bo", "Cy"],
        ),
        // Has-many.
        (json!({"cards": &card.id}), vec!["Bo"]),
        (json!({"clubs": "club_nope"}), vec![]),
    ];
    for (filter, expected) in cases {
        assert_eq!(env.member_names(filter.clone()).await, expected, "{filter}");
    }
    let in_bo: ClubFilter = serde_json::from_value(json!({"members": bo})).unwrap();
    assert_eq!(
        env.clubs
            .list(&in_bo, &ListConfig::default())
            .await
            .unwrap()
            .len(),
        2
    );
    // Belongs-to.
    let of_bo: CardFilter = serde_json::from_value(json!({"member": bo})).unwrap();
    assert_eq!(
        env.cards
            .list(&of_bo, &ListConfig::default())
            .await
            .unwrap(),
        std::slice::from_ref(&card)
    );

    // Deleted related rows do not count; restored, they do again.
    env.clubs
        .soft_delete(std::slice::from_ref(go))
        .await
        .unwrap();
    assert!(env.member_names(json!({"clubs": go})).await.is_empty());
    env.clubs.restore(std::slice::from_ref(go)).await.unwrap();
    assert_eq!(env.member_names(json!({"clubs": go})).await, ["Bo"]);

    // The filter travels as JSON (workflow inputs) and reads back.
    let filter = MemberFilter {
        clubs: Some(FieldFilter::any([chess.clone()])),
        ..Default::default()
    };
    let back: MemberFilter =
        serde_json::from_value(serde_json::to_value(&filter).unwrap()).unwrap();
    assert_eq!(back.condition(), filter.condition());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_transaction_for_generated_and_hand_written_statements() {
    let env = env().await;
    let ann = env
        .members
        .create_one(CreateMember::new("Ann"))
        .await
        .unwrap();
    env.events.take();

    // A main card: the old main one is unset under a lock on the member,
    // in the same transaction as the insert.
    let add_main = |number: i32| {
        let (members, cards, member_id) = (env.members.clone(), env.cards.clone(), ann.id.clone());
        let service = env.cards.clone();
        async move {
            service
                .transaction(|tx| {
                    Box::pin(async move {
                        members.retrieve_for_update(tx, &member_id).await?;
                        let mine = CardFilter {
                            member_id: Some(FieldFilter::Eq(member_id.clone())),
                            main: Some(FieldFilter::Eq(true)),
                            ..Default::default()
                        };
                        let unset = UpdateCard {
                            main: Some(false),
                            ..Default::default()
                        };
                        cards.update_where_in(tx, &mine.condition(), &unset).await?;
                        let card = CreateCard {
                            main: Some(true),
                            ..CreateCard::new(member_id.as_str(), number)
                        };
                        Ok(cards.create_in(tx, vec![card]).await?.remove(0))
                    })
                })
                .await
        }
    };
    let first = add_main(1).await.unwrap();
    let events: Vec<String> = env.events.take().into_iter().map(|e| e.name).collect();
    assert_eq!(events, ["club.card.created"]);
    let tasks: Vec<_> = (2..6).map(|n| tokio::spawn(add_main(n))).collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let all = env
        .cards
        .list(&Default::default(), &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(
        all.iter().filter(|c| c.main).count(),
        1,
        "the lock serialised them"
    );
    assert!(!env.cards.retrieve(&first.id).await.unwrap().main);
    let events: Vec<String> = env.events.take().into_iter().map(|e| e.name).collect();
    assert_eq!(
        events.iter().filter(|e| *e == "club.card.updated").count(),
        4
    );

    // A failure rolls everything back and emits nothing; reads inside the
    // transaction see its own writes.
    let (members, cards, member_id) = (env.members.clone(), env.cards.clone(), ann.id.clone());
    let err = env
        .cards
        .transaction(|tx| {
            Box::pin(async move {
                let created = cards
                    .create_in(tx, vec![CreateCard::new(member_id.as_str(), 9)])
                    .await?;
                let seen = cards
                    .list_where_in(
                        tx,
                        &CardFilter::default().condition(),
                        &ListConfig::default(),
                    )
                    .await?;
                assert!(seen.iter().any(|c| c.id == created[0].id));
                members.retrieve_for_update(tx, "mem_nope").await?;
                Ok(())
            })
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "Member with id: mem_nope was not found");
    assert_eq!(
        env.cards
            .list(&Default::default(), &ListConfig::default())
            .await
            .unwrap()
            .len(),
        5
    );
    assert!(env.events.take().is_empty());

    // Hand-written statements join it too, and the generated errors keep
    // their wording inside it.
    let clubs = env.clubs.clone();
    let err = env
        .clubs
        .transaction(|tx| {
            Box::pin(async move {
                tx.conn()
                    .batch_execute("INSERT INTO club (id, name, open) VALUES ('club_x', 'X', true)")
                    .await?;
                clubs
                    .create_in(tx, vec![CreateClub::new("X", true)])
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Club with name: X, open: true, already exists."
    );
    assert_eq!(
        env.clubs.retrieve("club_x").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_name_boolean_keys_as_the_wire_does() {
    let env = env().await;
    env.clubs
        .create(vec![
            CreateClub::new("Chess", true),
            CreateClub::new("Chess", false),
        ])
        .await
        .unwrap();
    let err = env
        .clubs
        .create_one(CreateClub::new("Chess", false))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert_eq!(
        err.message(),
        "Club with name: Chess, open: false, already exists."
    );
}
