//! The module SDK's generated CRUD, tested once, generically, against
//! PostgreSQL: two modules declared with `#[entity]` / `#[module]` as a user
//! writes them, and a link between them. `generate`: migrations written from
//! the declarations (`db generate`). `domain`: relation filters, shared
//! transactions and duplicate wording, what domain code builds on.

mod domain;
mod generate;

use std::sync::Arc;

use serde_json::{Value, json};
use stheno_framework::query::Query;
use stheno_framework::testing::TestDb;
use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::entity::{EntityFilter, FieldFilter, ListConfig};
use stheno_module_sdk::events::{EventBus, RecordingEventBus};
use stheno_module_sdk::graph::{QueryContext, Selection};
use stheno_module_sdk::link::{Links, registered_links};
use stheno_module_sdk::list::{OrderBy, Page};
use stheno_module_sdk::prelude::*;
use stheno_module_sdk::{ErrorKind, ModuleContext};

#[entity(
    module = "library",
    prefix = "auth",
    searchable(name, bio),
    soft_delete,
    has_many(books = Book, fk = "author_id", cascade)
)]
pub struct Author {
    pub id: String,
    #[entity(unique)]
    pub name: String,
    pub bio: Option<String>,
    #[entity(default = "0")]
    pub rank: i64,
    pub active: bool,
    pub metadata: Option<Value>,
}

#[entity(
    module = "library",
    prefix = "book",
    soft_delete,
    belongs_to(author = Author, fk = "author_id")
)]
pub struct Book {
    pub id: String,
    #[entity(immutable)]
    pub author_id: String,
    pub title: String,
    pub pages: Option<i32>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[module(
    key = "library",
    entities(Author, Book),
    migrations = "tests/migrations/library"
)]
pub struct LibraryModule;

#[entity(module = "shelf", prefix = "shelf", soft_delete)]
pub struct Shelf {
    pub id: String,
    pub label: String,
}

/// Awarded to an author; goes with the author (`delete_cascade`).
#[entity(module = "shelf", prefix = "badge", soft_delete)]
pub struct Badge {
    pub id: String,
    pub label: String,
}

#[module(
    key = "shelf",
    entities(Shelf, Badge),
    migrations = "tests/migrations/shelf"
)]
pub struct ShelfModule;

// Many books on one shelf: `book.shelf`, `shelf.books`.
stheno_module_sdk::define_link!(Book => many, Shelf => one);
/// Extra columns of the author ↔ shelf "curator" link.
const CURATOR: &[stheno_module_sdk::link::ExtraColumn] = &[stheno_module_sdk::link::ExtraColumn {
    name: "since_year",
    ty: stheno_module_sdk::entity::ColumnType::Integer,
    nullable: false,
    default_sql: Some("2000"),
}];
// Authors curate shelves, since some year.
stheno_module_sdk::define_link!(
    Author => many, Shelf => many;
    table = "author_curated_shelf", extra_columns = CURATOR
);
// An author's badges are deleted with the author.
stheno_module_sdk::define_link!(
    Author => one, Badge => many;
    delete_cascade = right, table = "author_badge", id_prefix = "authbadge", right_field = "awards"
);

struct Fixture {
    _db: TestDb,
    library: LibraryModule,
    shelves: ShelfModule,
    events: Arc<RecordingEventBus>,
    links: Links,
    query: Query,
}

async fn fixture() -> Fixture {
    let db = TestDb::new().await.unwrap();
    let events = Arc::new(RecordingEventBus::default());
    let bus: Arc<dyn EventBus> = events.clone();
    let links: Arc<[_]> = registered_links().collect::<Vec<_>>().into();
    let ctx = |key| {
        ModuleContext::new(key, db.pool().clone(), Value::Null, bus.clone())
            .with_links(links.clone())
    };
    let library = LibraryModule::build(&ctx("library")).await.unwrap();
    let shelves = ShelfModule::build(&ctx("shelf")).await.unwrap();
    let sources = Arc::new(library.clone())
        .entity_sources()
        .into_iter()
        .chain(Arc::new(shelves.clone()).entity_sources());
    let query = Query::new(sources).with_links(db.pool().clone(), &links);
    let link_service = Links::new(db.pool().clone(), bus.clone(), links.clone());
    Fixture {
        _db: db,
        library,
        shelves,
        events,
        links: link_service,
        query,
    }
}

fn author(name: &str, rank: Option<i64>, bio: Option<&str>) -> CreateAuthor {
    CreateAuthor {
        bio: bio.map(str::to_string),
        rank,
        ..CreateAuthor::new(name, true)
    }
}

fn filter(v: Value) -> AuthorFilter {
    serde_json::from_value(v).unwrap()
}

async fn names(f: &Fixture, v: Value) -> Vec<String> {
    let config = ListConfig::default().ordered(vec![OrderBy::asc("name")]);
    f.library
        .authors()
        .list(&filter(v), &config)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect()
}

async fn seed_authors(f: &Fixture) -> Vec<Author> {
    f.library
        .authors()
        .create(vec![
            author("Ada", Some(3), Some("Counts engines")),
            author("Borges", Some(1), None),
            author("Carver", None, Some("Short STORIES")),
            author("Dickens", Some(5), Some("Long stories")),
        ])
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn registrations_are_visible() {
    let keys: Vec<_> = stheno_module_sdk::module::registered_modules()
        .map(|m| m.key)
        .collect();
    assert!(keys.contains(&"library") && keys.contains(&"shelf"));
    let link = registered_links()
        .find(|l| l.table_name() == "library_book_shelf_shelf")
        .unwrap();
    assert_eq!(link.left.field(), "books");
    assert_eq!(link.right.field(), "shelf");
    let badges = registered_links()
        .find(|l| l.table_name() == "author_badge")
        .expect("the table option names the table");
    assert_eq!(badges.id_prefix, Some("authbadge"));
    assert!(badges.right.delete_cascade && !badges.left.delete_cascade);
    assert_eq!(
        (badges.left.field(), badges.right.field()),
        ("author".into(), "awards".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_retrieve_and_defaults() {
    let f = fixture().await;
    let created = seed_authors(&f).await;
    assert_eq!(created.len(), 4);
    assert!(created[0].id.starts_with("auth_"));
    assert_eq!(created[0].name, "Ada", "input order kept");
    assert_eq!(created[2].rank, 0, "database default");
    assert!(
        created[0].created_at < created[1].created_at,
        "stable order in a batch"
    );
    let one = f.library.authors().retrieve(&created[1].id).await.unwrap();
    assert_eq!(one, created[1]);

    // Wire shape: Medusa's timestamps, nulls kept.
    let wire = serde_json::to_value(&one).unwrap();
    assert!(wire["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(wire["bio"], Value::Null);
    assert_eq!(wire["deleted_at"], Value::Null);

    // A given id is kept.
    let given = f
        .library
        .authors()
        .create_one(CreateAuthor {
            id: Some("auth_given".into()),
            ..author("Eco", None, None)
        })
        .await
        .unwrap();
    assert_eq!(given.id, "auth_given");

    let err = f.library.authors().retrieve("auth_nope").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "Author with id: auth_nope was not found");
    let names: Vec<String> = f.events.take().into_iter().map(|e| e.name).collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "library.author.created")
            .count(),
        5
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_creates_are_atomic_and_duplicates_are_worded_as_medusa() {
    let f = fixture().await;
    seed_authors(&f).await;
    f.events.take();
    let err = f
        .library
        .authors()
        .create(vec![
            author("Fitzgerald", None, None),
            author("Ada", None, None),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert_eq!(err.message(), "Author with name: Ada, already exists.");
    assert!(names(&f, json!({"name": "Fitzgerald"})).await.is_empty());
    assert!(
        f.events.take().is_empty(),
        "no event for a rolled-back create"
    );

    // A soft-deleted row does not block its unique value.
    let ada = f
        .library
        .authors()
        .list(&filter(json!({"name": "Ada"})), &ListConfig::default())
        .await
        .unwrap();
    f.library
        .authors()
        .soft_delete(std::slice::from_ref(&ada[0].id))
        .await
        .unwrap();
    f.library
        .authors()
        .create_one(author("Ada", None, None))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_filter_operator() {
    let f = fixture().await;
    seed_authors(&f).await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["Ada", "Borges", "Carver", "Dickens"]),
        (json!({"name": "Ada"}), vec!["Ada"]),
        (json!({"name": ["Ada", "Carver"]}), vec!["Ada", "Carver"]),
        (json!({"name": {"$eq": "Borges"}}), vec!["Borges"]),
        (
            json!({"name": {"$ne": "Borges"}}),
            vec!["Ada", "Carver", "Dickens"],
        ),
        (
            json!({"name": {"$in": ["Ada", "Dickens"]}}),
            vec!["Ada", "Dickens"],
        ),
        (
            json!({"name": {"$nin": "Ada,Dickens"}}),
            vec!["Borges", "Carver"],
        ),
        // Query strings give numbers as strings.
        (json!({"rank": {"$gt": "1"}}), vec!["Ada", "Dickens"]),
        (
            json!({"rank": {"$gte": 1}}),
            vec!["Ada", "Borges", "Dickens"],
        ),
        (json!({"rank": {"$lt": "3"}}), vec!["Borges", "Carver"]),
        (
            json!({"rank": {"$lte": 3, "$gt": 0}}),
            vec!["Ada", "Borges"],
        ),
        (json!({"name": {"$like": "%er%"}}), vec!["Carver"]),
        (json!({"name": {"$like": "%ER%"}}), vec![]),
        (json!({"name": {"$ilike": "%ER%"}}), vec!["Carver"]),
        (json!({"bio": null}), vec!["Borges"]),
        (
            json!({"bio": {"$ne": null}}),
            vec!["Ada", "Carver", "Dickens"],
        ),
        (
            json!({"active": "true"}),
            vec!["Ada", "Borges", "Carver", "Dickens"],
        ),
        (json!({"active": false}), vec![]),
        // q: any searchable field, case-insensitive, wildcards literal.
        (json!({"q": "stories"}), vec!["Carver", "Dickens"]),
        (json!({"q": "bor"}), vec!["Borges"]),
        (json!({"q": "%"}), vec![]),
        (
            json!({"$or": [{"name": "Ada"}, {"rank": {"$gte": 5}}]}),
            vec!["Ada", "Dickens"],
        ),
        (
            json!({"$and": [{"q": "stories"}, {"rank": {"$gt": 0}}]}),
            vec!["Dickens"],
        ),
        (
            json!({"$or": []}),
            vec!["Ada", "Borges", "Carver", "Dickens"],
        ),
        (
            json!({"created_at": {"$gt": "2000-01-01"}}),
            vec!["Ada", "Borges", "Carver", "Dickens"],
        ),
        (
            json!({"created_at": {"$lt": "2000-01-01T00:00:00Z"}}),
            vec![],
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(names(&f, input.clone()).await, expected, "filter {input}");
    }

    // Typed filters read the same.
    let typed = AuthorFilter {
        rank: Some(FieldFilter::ops(|o| o.gte = Some(3))),
        ..Default::default()
    };
    assert_eq!(
        serde_json::from_value::<AuthorFilter>(serde_json::to_value(&typed).unwrap())
            .unwrap()
            .condition(),
        typed.condition()
    );

    // Bad filters are errors a route turns into 400s.
    for bad in [
        json!({"rank": {"$gt": "many"}}),
        json!({"name": {"$regex": "a"}}),
        json!({"nope": 1}),
        json!({"created_at": {"$gt": "yesterday"}}),
    ] {
        assert!(
            serde_json::from_value::<AuthorFilter>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pagination_ordering_and_counts() {
    let f = fixture().await;
    seed_authors(&f).await;
    let service = f.library.authors();
    let config = ListConfig::page(Page::new(1, 2)).ordered(vec![OrderBy::desc("rank")]);
    let (page, count) = service
        .list_and_count(&filter(json!({})), &config)
        .await
        .unwrap();
    assert_eq!(count, 4);
    let got: Vec<_> = page.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(got, ["Ada", "Borges"]);

    // Default order: creation.
    let (all, _) = service
        .list_and_count(&filter(json!({})), &ListConfig::page(Page::new(0, 10)))
        .await
        .unwrap();
    let got: Vec<_> = all.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(got, ["Ada", "Borges", "Carver", "Dickens"]);

    let (past_end, count) = service
        .list_and_count(&filter(json!({})), &ListConfig::page(Page::new(10, 10)))
        .await
        .unwrap();
    assert!(past_end.is_empty());
    assert_eq!(count, 4);

    let err = service
        .list(
            &filter(json!({})),
            &ListConfig::default().ordered(vec![OrderBy::asc("nope")]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(err.message(), "Order field nope is not valid");
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_tell_absent_from_null() {
    let f = fixture().await;
    let created = seed_authors(&f).await;
    f.events.take();
    let service = f.library.authors();
    let ada = &created[0];
    let first = service
        .update(
            &ada.id,
            serde_json::from_value(json!({"metadata": {"k": 1}, "rank": 9})).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(first.metadata, Some(json!({"k": 1})));
    assert_eq!(
        first.bio.as_deref(),
        Some("Counts engines"),
        "absent: unchanged"
    );
    assert!(first.updated_at > ada.updated_at);
    let second = service
        .update(
            &ada.id,
            serde_json::from_value(json!({"bio": null})).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(second.bio, None, "null clears");
    assert_eq!(second.metadata, Some(json!({"k": 1})));

    let err = service
        .update("auth_nope", UpdateAuthor::default())
        .await
        .unwrap_err();
    assert_eq!(err.message(), "Author with id: auth_nope was not found");
    let err = service
        .update(
            &ada.id,
            UpdateAuthor {
                name: Some("Borges".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.message(), "Author with name: Borges, already exists.");
    assert!(
        serde_json::from_value::<UpdateAuthor>(json!({"foo": 1})).is_err(),
        "unknown fields"
    );

    // By filter.
    let deactivated = service
        .update_where(
            &filter(json!({"rank": {"$lt": 2}})),
            UpdateAuthor {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(deactivated.len(), 2);
    assert_eq!(
        names(&f, json!({"active": false})).await,
        ["Borges", "Carver"]
    );

    // Many, atomically: an unknown id undoes the others.
    let err = service
        .update_many(vec![
            (
                created[3].id.clone(),
                UpdateAuthor {
                    rank: Some(100),
                    ..Default::default()
                },
            ),
            ("auth_nope".into(), UpdateAuthor::default()),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(service.retrieve(&created[3].id).await.unwrap().rank, 5);
    let names: Vec<String> = f.events.take().into_iter().map(|e| e.name).collect();
    assert_eq!(names, vec!["library.author.updated"; 4]);
}

#[tokio::test(flavor = "multi_thread")]
async fn immutable_fields_are_set_at_create_only() {
    let f = fixture().await;
    let authors = seed_authors(&f).await;
    let books = f.library.books();
    let book = books
        .create_one(CreateBook::new(&authors[0].id, "Notes"))
        .await
        .unwrap();
    // `author_id` is `#[entity(immutable)]`: `UpdateBook` has no such field.
    let err = serde_json::from_value::<UpdateBook>(json!({"author_id": authors[1].id}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `author_id`"), "{err}");
    let renamed = books
        .update(
            &book.id,
            serde_json::from_value(json!({"title": "Letters"})).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(renamed.title, "Letters");
    assert_eq!(renamed.author_id, authors[0].id);
    // Still a column: filtered on, and written back by `overwrite`.
    let by_author: BookFilter =
        serde_json::from_value(json!({"author_id": authors[0].id})).unwrap();
    let (_, count) = books
        .list_and_count(&by_author, &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(count, 1);
    books.overwrite(std::slice::from_ref(&book)).await.unwrap();
    assert_eq!(books.retrieve(&book.id).await.unwrap().title, "Notes");
}

#[tokio::test(flavor = "multi_thread")]
async fn soft_delete_and_restore_cascade_to_children_and_links() {
    let f = fixture().await;
    let authors = seed_authors(&f).await;
    let ada = &authors[0];
    let books = f
        .library
        .books()
        .create(vec![
            CreateBook::new(&ada.id, "Notes"),
            CreateBook::new(&ada.id, "Letters"),
            CreateBook::new(&authors[1].id, "Ficciones"),
        ])
        .await
        .unwrap();
    let shelf = f
        .shelves
        .shelves()
        .create_one(CreateShelf::new("A1"))
        .await
        .unwrap();
    f.links
        .create(
            "book",
            &books[0].id,
            "shelf",
            std::slice::from_ref(&shelf.id),
        )
        .await
        .unwrap();
    // A book deleted on its own before the author stays deleted on restore.
    f.library
        .books()
        .soft_delete(std::slice::from_ref(&books[1].id))
        .await
        .unwrap();
    f.events.take();

    let deleted = f
        .library
        .authors()
        .soft_delete(std::slice::from_ref(&ada.id))
        .await
        .unwrap();
    assert_eq!(deleted["author"], vec![ada.id.clone()]);
    assert_eq!(deleted["book"], vec![books[0].id.clone()]);
    let names: Vec<String> = f.events.take().into_iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "library.author.deleted",
            "library.book.deleted",
            "library-book-shelf-shelf.detached"
        ]
    );
    assert!(f.library.authors().retrieve(&ada.id).await.is_err());
    assert!(f.library.books().retrieve(&books[0].id).await.is_err());
    assert!(
        f.library.books().retrieve(&books[2].id).await.is_ok(),
        "other author's book"
    );
    assert!(
        f.links
            .list("book", std::slice::from_ref(&books[0].id), "shelf")
            .await
            .unwrap()
            .is_empty()
    );
    let gone = f
        .library
        .authors()
        .retrieve_with(&ada.id, true)
        .await
        .unwrap();
    assert!(gone.deleted_at.is_some());
    assert_eq!(names_with_deleted(&f).await, 4);

    let restored = f
        .library
        .authors()
        .restore(std::slice::from_ref(&ada.id))
        .await
        .unwrap();
    assert_eq!(restored["book"], vec![books[0].id.clone()]);
    assert!(f.library.books().retrieve(&books[0].id).await.is_ok());
    assert!(f.library.books().retrieve(&books[1].id).await.is_err());
    assert_eq!(
        f.links
            .list("book", std::slice::from_ref(&books[0].id), "shelf")
            .await
            .unwrap(),
        vec![(books[0].id.clone(), shelf.id.clone())]
    );
    let names: Vec<String> = f.events.take().into_iter().map(|e| e.name).collect();
    assert!(
        names.contains(&"library.author.restored".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"library-book-shelf-shelf.attached".to_string()));

    // Soft-deleting the other side of a link dismisses it too.
    f.shelves
        .shelves()
        .soft_delete(std::slice::from_ref(&shelf.id))
        .await
        .unwrap();
    assert!(
        f.links
            .list("book", std::slice::from_ref(&books[0].id), "shelf")
            .await
            .unwrap()
            .is_empty()
    );
    f.shelves
        .shelves()
        .restore(std::slice::from_ref(&shelf.id))
        .await
        .unwrap();
    assert_eq!(
        f.links
            .list("shelf", std::slice::from_ref(&shelf.id), "book")
            .await
            .unwrap()
            .len(),
        1
    );

    // Hard delete: children and link rows go for good.
    f.events.take();
    let deleted = f
        .library
        .authors()
        .delete(std::slice::from_ref(&ada.id))
        .await
        .unwrap();
    assert_eq!(deleted["book"].len(), 2, "live and soft-deleted children");
    assert!(
        f.library
            .authors()
            .retrieve_with(&ada.id, true)
            .await
            .is_err()
    );
    assert!(
        f.library
            .books()
            .retrieve_with(&books[1].id, true)
            .await
            .is_err()
    );
    assert!(
        f.links
            .list("shelf", std::slice::from_ref(&shelf.id), "book")
            .await
            .unwrap()
            .is_empty()
    );
    let names: Vec<String> = f.events.take().into_iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "library-book-shelf-shelf.detached",
            "library.book.deleted",
            "library.book.deleted",
            "library.author.deleted"
        ]
    );
}

async fn names_with_deleted(f: &Fixture) -> usize {
    f.library
        .authors()
        .list(
            &filter(json!({})),
            &ListConfig::default().with_deleted(true),
        )
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn links_create_dismiss_and_enforce_one() {
    let f = fixture().await;
    let authors = seed_authors(&f).await;
    let book = f
        .library
        .books()
        .create_one(CreateBook::new(&authors[0].id, "Notes"))
        .await
        .unwrap();
    let shelves = f
        .shelves
        .shelves()
        .create(vec![CreateShelf::new("A1"), CreateShelf::new("B2")])
        .await
        .unwrap();
    let (a1, b2) = (shelves[0].id.clone(), shelves[1].id.clone());
    f.links
        .create("shelf", &a1, "book", std::slice::from_ref(&book.id))
        .await
        .unwrap();
    // Twice is once.
    f.links
        .create("book", &book.id, "shelf", std::slice::from_ref(&a1))
        .await
        .unwrap();
    // A book has one shelf.
    let err = f
        .links
        .create("book", &book.id, "shelf", std::slice::from_ref(&b2))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    f.links
        .dismiss("book", &book.id, "shelf", std::slice::from_ref(&a1))
        .await
        .unwrap();
    f.links
        .create("book", &book.id, "shelf", std::slice::from_ref(&b2))
        .await
        .unwrap();
    assert_eq!(
        f.links
            .list("book", std::slice::from_ref(&book.id), "shelf")
            .await
            .unwrap(),
        vec![(book.id.clone(), b2.clone())]
    );
    let err = f
        .links
        .create(
            "book",
            &book.id,
            "author",
            std::slice::from_ref(&authors[0].id),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
}

#[tokio::test(flavor = "multi_thread")]
async fn query_follows_relations_and_links_in_bounded_statements() {
    let f = fixture().await;
    let authors = seed_authors(&f).await;
    let shelf = f
        .shelves
        .shelves()
        .create_one(CreateShelf::new("A1"))
        .await
        .unwrap();
    let mut books = Vec::new();
    for i in 0..50 {
        books.push(CreateBook::new(&authors[i % 4].id, format!("Book {i}")));
    }
    let books = f.library.books().create(books).await.unwrap();
    for b in &books {
        f.links
            .create("book", &b.id, "shelf", std::slice::from_ref(&shelf.id))
            .await
            .unwrap();
    }
    let selection = Selection::parse(["id", "title", "author.name", "*shelf", "shelf.books.title"]);
    let mut counts = Vec::new();
    for limit in [1, 50] {
        let (result, count) = QueryCounter::scope(f.query.graph(
            "book",
            &selection,
            json!({"title": {"$like": "Book %"}}),
            &ListConfig::page(Page::new(0, limit)),
            QueryContext::ADMIN,
        ))
        .await;
        let (records, total) = result.unwrap();
        assert_eq!(total, 50);
        assert_eq!(records.len(), limit as usize);
        let first = Value::Object(records[0].clone());
        assert_eq!(first["author"]["name"], "Ada");
        assert_eq!(first["shelf"]["label"], "A1");
        assert_eq!(first["shelf"]["books"].as_array().unwrap().len(), 50);
        assert!(first.get("author_id").is_none(), "projected");
        counts.push(count);
    }
    // list + count, author, shelf (one join), shelf.books (one join).
    assert_eq!(counts, [5, 5], "statements do not grow with the page");

    // has-many inside the module, from the other direction.
    let (records, _) = f
        .query
        .graph(
            "author",
            &Selection::parse(["name", "books.title"]),
            json!({"name": "Ada"}),
            &ListConfig::default(),
            QueryContext::ADMIN,
        )
        .await
        .unwrap();
    assert_eq!(records[0]["books"].as_array().unwrap().len(), 13);

    // A filter on a linked entity's id goes through the link table.
    let (shelves, count) = f
        .query
        .graph(
            "shelf",
            &Selection::parse(["label"]),
            json!({"book_id": [books[3].id]}),
            &ListConfig::default(),
            QueryContext::ADMIN,
        )
        .await
        .unwrap();
    assert_eq!((count, shelves[0]["label"].clone()), (1, json!("A1")));
    let (none, count) = f
        .query
        .graph(
            "shelf",
            &Selection::parse(["label"]),
            json!({"book_id": "book_nope"}),
            &ListConfig::default(),
            QueryContext::ADMIN,
        )
        .await
        .unwrap();
    assert_eq!((none.len(), count), (0, 0));

    // Bad filters are invalid data.
    let err = f
        .query
        .graph(
            "author",
            &Selection::all(),
            json!({"nope": 1}),
            &ListConfig::default(),
            QueryContext::ADMIN,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_cascade_links_take_the_other_side_along() {
    let f = fixture().await;
    let authors = seed_authors(&f).await;
    let (ada, borges) = (authors[0].id.clone(), authors[1].id.clone());
    let badges = f
        .shelves
        .badges()
        .create(vec![
            CreateBadge::new("gold"),
            CreateBadge::new("silver"),
            CreateBadge::new("other"),
        ])
        .await
        .unwrap();
    let ids: Vec<String> = badges.iter().map(|b| b.id.clone()).collect();
    f.links
        .create("author", &ada, "badge", &ids[..2])
        .await
        .unwrap();
    f.links
        .create("author", &borges, "badge", &ids[2..])
        .await
        .unwrap();

    let deleted = f
        .library
        .authors()
        .soft_delete(std::slice::from_ref(&ada))
        .await
        .unwrap();
    assert_eq!(deleted["badge"].len(), 2, "{deleted:?}");
    assert!(f.shelves.badges().retrieve(&ids[0]).await.is_err());
    assert!(
        f.shelves.badges().retrieve(&ids[2]).await.is_ok(),
        "another author's badge"
    );

    f.library
        .authors()
        .restore(std::slice::from_ref(&ada))
        .await
        .unwrap();
    assert!(f.shelves.badges().retrieve(&ids[1]).await.is_ok());
    assert_eq!(
        f.links
            .list("author", std::slice::from_ref(&ada), "badge")
            .await
            .unwrap()
            .len(),
        2
    );

    // Deleting a badge does not delete its author (the cascade is one-way).
    f.shelves.badges().soft_delete(&ids[..1]).await.unwrap();
    assert!(f.library.authors().retrieve(&ada).await.is_ok());

    f.library
        .authors()
        .delete(std::slice::from_ref(&borges))
        .await
        .unwrap();
    assert!(
        f.shelves
            .badges()
            .retrieve_with(&ids[2], true)
            .await
            .is_err(),
        "hard delete too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn links_carry_extra_columns() {
    let f = fixture().await;
    let authors = seed_authors(&f).await;
    let shelves = f
        .shelves
        .shelves()
        .create(vec![CreateShelf::new("A1"), CreateShelf::new("B2")])
        .await
        .unwrap();
    let ada = authors[0].id.clone();
    f.links
        .create(
            "author",
            &ada,
            "shelf",
            std::slice::from_ref(&shelves[0].id),
        )
        .await
        .unwrap();
    let mut data = std::collections::BTreeMap::new();
    data.insert("since_year".to_string(), json!(1843));
    f.links
        .create_with(
            "shelf",
            &shelves[1].id,
            "author",
            std::slice::from_ref(&ada),
            &data,
        )
        .await
        .unwrap();
    let rows = f
        .links
        .list_rows("author", std::slice::from_ref(&ada), "shelf")
        .await
        .unwrap();
    let years: Vec<(String, Value)> = rows
        .iter()
        .map(|r| (r.right_id.clone(), r.data["since_year"].clone()))
        .collect();
    assert_eq!(
        years,
        [
            (shelves[0].id.clone(), json!(2000)),
            (shelves[1].id.clone(), json!(1843))
        ],
        "the column default, then the given value"
    );
    let mut bad = std::collections::BTreeMap::new();
    bad.insert("nope".to_string(), json!(1));
    let err = f
        .links
        .create_with(
            "author",
            &ada,
            "shelf",
            std::slice::from_ref(&shelves[0].id),
            &bad,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
}
