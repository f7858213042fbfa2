use serde_json::json;
use stheno::testing::TestApp;

use crate::{assert_error, create_product, keys, shirt};

#[tokio::test(flavor = "multi_thread")]
async fn store_lists_published_products_in_medusas_shape() {
    let app = TestApp::new().await.unwrap();
    create_product(&app, shirt("visible")).await;
    let mut draft = shirt("hidden");
    draft["status"] = json!("draft");
    create_product(&app, draft).await;

    let res = app.get("/store/products").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(keys(&res.body), ["count", "limit", "offset", "products"]);
    assert_eq!(res.body["count"], 1);
    assert_eq!(res.body["limit"], 50);
    assert_eq!(res.body["offset"], 0);
    let product = &res.body["products"][0];
    assert_eq!(product["handle"], "visible");
    // Observed keys of a store product with default fields (observed-wire.md).
    assert_eq!(
        keys(product),
        [
            "collection",
            "collection_id",
            "created_at",
            "description",
            "discountable",
            "handle",
            "height",
            "hs_code",
            "id",
            "images",
            "is_giftcard",
            "length",
            "material",
            "mid_code",
            "options",
            "origin_country",
            "subtitle",
            "tags",
            "thumbnail",
            "title",
            "type",
            "type_id",
            "updated_at",
            "variants",
            "weight",
            "width"
        ]
    );
    assert_eq!(product["variants"].as_array().unwrap().len(), 4);
    assert_eq!(product["options"].as_array().unwrap().len(), 2);
    let option = &product["options"][0];
    assert_eq!(
        keys(option),
        [
            "created_at",
            "deleted_at",
            "id",
            "is_exclusive",
            "metadata",
            "title",
            "updated_at",
            "values"
        ]
    );
    let variant = &product["variants"][0];
    assert_eq!(variant["options"].as_array().unwrap().len(), 2);
    assert!(variant["options"][0]["value"].is_string());
    assert_eq!(product["thumbnail"], "https://img.example/1.png");
    assert!(product["created_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test(flavor = "multi_thread")]
async fn store_product_list_query_count_does_not_grow_with_the_page() {
    let app = TestApp::new().await.unwrap();
    create_product(&app, shirt("one")).await;
    let one = app.get("/store/products").await;
    for i in 0..5 {
        create_product(&app, shirt(&format!("more-{i}"))).await;
    }
    let six = app.get("/store/products").await;
    assert_eq!(six.body["count"], 6);
    assert!(one.queries > 0, "the query counter works");
    assert_eq!(
        one.queries, six.queries,
        "no N+1: same statements for 1 and 6 products"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn store_fields_add_remove_and_replace() {
    let app = TestApp::new().await.unwrap();
    create_product(&app, shirt("f")).await;

    let res = app.get("/store/products?fields=title,variants.sku").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let p = &res.body["products"][0];
    assert_eq!(keys(p), ["id", "title", "variants"]);
    assert_eq!(keys(&p["variants"][0]), ["sku"]);

    let res = app
        .get("/store/products?fields=%2Bmetadata,-variants,-options")
        .await;
    let p = &res.body["products"][0];
    assert!(p.get("metadata").is_some());
    assert!(p.get("variants").is_none() && p.get("options").is_none());

    // Off-whitelist fields are dropped silently (2.21.2).
    let res = app.get("/store/products?fields=id,title,foo").await;
    assert_eq!(keys(&res.body["products"][0]), ["id", "title"]);

    let res = app
        .get("/store/products?fields=%2Bvariants.options.option.values.id.x")
        .await;
    assert_eq!(
        res.status, 200,
        "off-list deep field is dropped, not an error: {}",
        res.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn store_product_filters_and_pagination() {
    let app = TestApp::new().await.unwrap();
    for h in ["alpha", "beta", "gamma"] {
        create_product(&app, shirt(h)).await;
    }
    let res = app.get("/store/products?handle=beta").await;
    assert_eq!(res.body["count"], 1);
    assert_eq!(res.body["products"][0]["handle"], "beta");

    let res = app.get("/store/products?q=gam").await;
    assert_eq!(res.body["count"], 1);

    let res = app
        .get("/store/products?limit=2&offset=1&order=-handle&fields=handle")
        .await;
    assert_eq!(res.body["count"], 3);
    assert_eq!(res.body["limit"], 2);
    assert_eq!(res.body["offset"], 1);
    let handles: Vec<&str> = res.body["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, ["beta", "alpha"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn store_product_errors() {
    let app = TestApp::new().await.unwrap();
    let res = app.get("/store/products/prod_nope").await;
    assert_error(
        &res,
        404,
        "not_found",
        "Product with id: prod_nope was not found",
    );

    let res = app.get("/store/products?foo=bar").await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'foo'",
    );

    let res = app.get("/store/products?limit=ten").await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Expected type: 'number' for field 'limit', got: 'ten'",
    );

    let res = app.get("/store/products?order=nope").await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");

    // A draft product is invisible to the store.
    let mut draft = shirt("draft");
    draft["status"] = json!("draft");
    let id = create_product(&app, draft).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app.get(&format!("/store/products/{id}")).await;
    assert_error(
        &res,
        404,
        "not_found",
        &format!("Product with id: {id} was not found"),
    );

    let res = app.get("/store/nope").await;
    assert_eq!(res.status, 404);
    assert_eq!(res.body, "Cannot GET /store/nope");
}

#[tokio::test(flavor = "multi_thread")]
async fn store_retrieve_has_categories() {
    let app = TestApp::new().await.unwrap();
    let id = create_product(&app, shirt("cat")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app.get(&format!("/store/products/{id}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["product"]["id"], id.as_str());
    assert_eq!(res.body["product"]["categories"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn store_catalog_routes() {
    let app = TestApp::new().await.unwrap();
    let col = app
        .admin_post("/admin/collections", json!({"title": "Summer Sale"}))
        .await;
    assert_eq!(col.status, 200, "{}", col.body);
    let col_id = col.body["collection"]["id"].as_str().unwrap().to_string();
    assert_eq!(col.body["collection"]["handle"], "summer-sale");

    let parent = app
        .admin_post(
            "/admin/product-categories",
            json!({"name": "Apparel", "is_active": true}),
        )
        .await;
    assert_eq!(parent.status, 200, "{}", parent.body);
    let parent_id = parent.body["product_category"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let child = app
        .admin_post(
            "/admin/product-categories",
            json!({"name": "Shirts", "is_active": true, "parent_category_id": parent_id}),
        )
        .await;
    let child_id = child.body["product_category"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let internal = app
        .admin_post(
            "/admin/product-categories",
            json!({"name": "Hidden", "is_active": true, "is_internal": true}),
        )
        .await;
    assert_eq!(internal.status, 200);

    let tag = app
        .admin_post("/admin/product-tags", json!({"value": "cotton"}))
        .await;
    let tag_id = tag.body["product_tag"]["id"].as_str().unwrap().to_string();
    let kind = app
        .admin_post("/admin/product-types", json!({"value": "clothing"}))
        .await;
    let type_id = kind.body["product_type"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut body = shirt("tree");
    body["collection_id"] = json!(col_id);
    body["categories"] = json!([{"id": child_id}]);
    body["tags"] = json!([{"id": tag_id}]);
    body["type_id"] = json!(type_id);
    let product = create_product(&app, body).await;
    assert_eq!(product["collection"]["id"], col_id.as_str());

    // Collections
    let res = app.get("/store/collections").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 1);
    assert_eq!(res.body["limit"], 10);
    assert_eq!(
        keys(&res.body["collections"][0]),
        [
            "created_at",
            "external_id",
            "handle",
            "id",
            "title",
            "updated_at"
        ]
    );
    let res = app
        .get(&format!(
            "/store/collections/{col_id}?fields=%2Bproducts.handle"
        ))
        .await;
    assert_eq!(res.body["collection"]["products"][0]["handle"], "tree");
    assert_error(
        &app.get("/store/collections/pcol_nope").await,
        404,
        "not_found",
        "ProductCollection with id: pcol_nope was not found",
    );

    // Categories: internal ones are hidden; the tree is there.
    let res = app.get("/store/product-categories").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 2);
    let res = app
        .get(&format!("/store/product-categories/{parent_id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body["product_category"]["category_children"][0]["id"],
        child_id.as_str()
    );
    let res = app
        .get(&format!(
            "/store/product-categories/{child_id}?include_ancestors_tree=true"
        ))
        .await;
    assert_eq!(
        res.body["product_category"]["parent_category"]["id"],
        parent_id.as_str()
    );
    assert_eq!(
        app.get("/store/product-categories/pcat_nope").await.status,
        404
    );
    // A category shoppers may not see is not found by id either.
    let internal_id = internal.body["product_category"]["id"].as_str().unwrap();
    assert_error(
        &app.get(&format!("/store/product-categories/{internal_id}"))
            .await,
        404,
        "not_found",
        &format!("ProductCategory with id: {internal_id} was not found"),
    );
    let res = app
        .get("/store/product-categories?parent_category_id=null&include_descendants_tree=true")
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 1, "roots: Apparel (Hidden is internal)");
    assert_eq!(
        res.body["product_categories"][0]["category_children"][0]["id"],
        child_id.as_str()
    );
    assert_error(
        &app.get("/store/product-categories?include_descendants_tree=maybe")
            .await,
        400,
        "invalid_data",
        "Invalid request: Expected type: 'boolean' for field 'include_descendants_tree', got: 'maybe'",
    );

    // Filtering products by the parent category includes its descendants.
    let res = app
        .get(&format!("/store/products?category_id={parent_id}"))
        .await;
    assert_eq!(res.body["count"], 1, "{}", res.body);
    let res = app
        .get(&format!(
            "/store/products?tag_id={tag_id}&collection_id={col_id}&type_id={type_id}"
        ))
        .await;
    assert_eq!(res.body["count"], 1, "{}", res.body);

    // Tags and types list their published products.
    let res = app.get("/store/product-tags").await;
    assert_eq!(res.body["product_tags"][0]["value"], "cotton");
    assert_eq!(res.body["product_tags"][0]["products"][0]["handle"], "tree");
    let res = app.get(&format!("/store/product-types/{type_id}")).await;
    assert_eq!(res.body["product_type"]["value"], "clothing");
    assert_eq!(app.get("/store/product-tags/ptag_nope").await.status, 404);
    assert_eq!(app.get("/store/product-types/ptyp_nope").await.status, 404);

    // Options are global entities in 2.21.2.
    let res = app.get("/store/product-options").await;
    assert_eq!(res.body["count"], 2, "{}", res.body);
    assert_eq!(app.get("/store/product-options/opt_nope").await.status, 404);
}

/// The wire shape of a store product with default fields, as a snapshot
/// (ids and timestamps redacted). A change here is a change clients see.
#[tokio::test(flavor = "multi_thread")]
async fn store_product_wire_shape_snapshot() {
    let app = TestApp::new().await.unwrap();
    let mut body = shirt("snap");
    body["variants"] = json!([
        {"title": "S / Black", "sku": "snap-s-b", "options": {"Size": "S", "Color": "Black"}}
    ]);
    body["images"] = json!([{"url": "https://img.example/1.png"}]);
    create_product(&app, body).await;
    let res = app.get("/store/products").await;
    assert_eq!(res.status, 200);
    insta::assert_json_snapshot!(res.body, {
        ".**.id" => "[id]",
        ".**.option_id" => "[id]",
        ".**.product_id" => "[id]",
        ".**.created_at" => "[timestamp]",
        ".**.updated_at" => "[timestamp]",
    });
}
