//! Diesel table definitions, shared by the SQLite and PostgreSQL backends (portable types only).

diesel::table! {
    sites (id) {
        id -> Text,
        name_zh -> Text,
        name_en -> Text,
        description_zh -> Text,
        description_en -> Text,
        utc_offset_min -> Integer,
        center_lon -> Double,
        center_lat -> Double,
        min_lon -> Double,
        min_lat -> Double,
        max_lon -> Double,
        max_lat -> Double,
        sources_json -> Text,
        version -> BigInt,
        content_hash -> Text,
        updated_at -> Text,
        public_holidays_json -> Text,
    }
}

diesel::table! {
    areas (site_id, id) {
        site_id -> Text,
        id -> Text,
        position -> Integer,
        name_zh -> Text,
        name_en -> Text,
        description_zh -> Text,
        description_en -> Text,
    }
}

diesel::table! {
    graph_nodes (site_id, id) {
        site_id -> Text,
        id -> Text,
        lon -> Double,
        lat -> Double,
        elevation_m -> Double,
        level -> Integer,
        area_id -> Text,
        name_zh -> Nullable<Text>,
        name_en -> Nullable<Text>,
        provenance -> Text,
        sources_json -> Text,
        coord_confidence_m -> Double,
        deleted_at -> Nullable<Text>,
        revision -> BigInt,
    }
}

diesel::table! {
    graph_edges (site_id, id) {
        site_id -> Text,
        id -> Text,
        from_node -> Text,
        to_node -> Text,
        kind -> Text,
        geometry_json -> Text,
        length_m -> Double,
        ascent_m -> Double,
        descent_m -> Double,
        steps -> Integer,
        step_free -> Bool,
        name_zh -> Nullable<Text>,
        name_en -> Nullable<Text>,
        hint_zh -> Nullable<Text>,
        hint_en -> Nullable<Text>,
        provenance -> Text,
        sources_json -> Text,
        closed -> Bool,
        deleted_at -> Nullable<Text>,
        revision -> BigInt,
        hint_reverse_zh -> Nullable<Text>,
        hint_reverse_en -> Nullable<Text>,
        hint_both_ways -> Bool,
        hint_step_free -> Bool,
    }
}

diesel::table! {
    places (site_id, id) {
        site_id -> Text,
        id -> Text,
        area_id -> Text,
        kind -> Text,
        name_zh -> Text,
        name_en -> Text,
        description_zh -> Text,
        description_en -> Text,
        lon -> Double,
        lat -> Double,
        elevation_m -> Nullable<Double>,
        level -> Integer,
        fee_cny -> Double,
        fee_note_zh -> Nullable<Text>,
        fee_note_en -> Nullable<Text>,
        hours -> Text,
        dwell_min -> Integer,
        tags_json -> Text,
        popularity -> Double,
        node_id -> Text,
        provenance -> Text,
        sources_json -> Text,
        coord_confidence_m -> Double,
        notes -> Nullable<Text>,
        closed -> Bool,
        deleted_at -> Nullable<Text>,
        revision -> BigInt,
        highlight -> Bool,
        container -> Bool,
        queue_min -> Integer,
        booking -> Bool,
    }
}

diesel::table! {
    findings (site_id, id) {
        site_id -> Text,
        id -> Text,
        code -> Text,
        frequency -> Text,
        text_zh -> Text,
        text_en -> Text,
        rule_json -> Text,
        deleted_at -> Nullable<Text>,
        revision -> BigInt,
    }
}

diesel::table! {
    codebook_themes (site_id, id) {
        site_id -> Text,
        id -> Text,
        name_zh -> Text,
        name_en -> Text,
        description_zh -> Text,
        description_en -> Text,
        categories_json -> Text,
    }
}

diesel::table! {
    codebook_categories (site_id, id) {
        site_id -> Text,
        id -> Text,
        name_zh -> Text,
        name_en -> Text,
        description_zh -> Text,
        description_en -> Text,
    }
}

diesel::table! {
    codebook_codes (site_id, id) {
        site_id -> Text,
        id -> Text,
        category_id -> Text,
        name_zh -> Text,
        name_en -> Text,
        frequency -> Text,
        sentiment -> Text,
        keywords_zh_json -> Text,
        keywords_en_json -> Text,
    }
}

diesel::table! {
    interests (site_id, id) {
        site_id -> Text,
        id -> Text,
        name_zh -> Text,
        name_en -> Text,
        tags_json -> Text,
        kinds_json -> Text,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        site_id -> Text,
        snapshot_version -> BigInt,
        created_at -> Text,
        body_json -> Text,
        visitor_id -> Nullable<Text>,
        expires_at -> Nullable<Text>,
        explored_place -> Nullable<Text>,
        exploration_cost -> Nullable<Double>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        family_id -> Text,
        user_id -> Text,
        token_hash -> Text,
        access_jti -> Nullable<Text>,
        issued_at -> Text,
        expires_at -> Text,
        used_at -> Nullable<Text>,
        revoked_at -> Nullable<Text>,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
        revoked_at -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        site_id -> Text,
        at -> Text,
        actor -> Text,
        actor_role -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        revision -> BigInt,
        site_version -> BigInt,
        source -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    sites,
    areas,
    graph_nodes,
    graph_edges,
    places,
    findings,
    codebook_themes,
    codebook_categories,
    codebook_codes,
    interests,
    plans,
    users,
    refresh_tokens,
    revoked_tokens,
    audit_log,
);

// Feedback (migration 000003): ratings, plan feedback, idempotent replies, aggregates.

diesel::table! {
    ratings (id) {
        id -> Text,
        site_id -> Text,
        place_id -> Text,
        visitor_id -> Text,
        overall -> Integer,
        value_for_money -> Nullable<Integer>,
        crowding -> Nullable<Integer>,
        findability -> Nullable<Integer>,
        photos_ok -> Nullable<Bool>,
        visited_at -> Nullable<Text>,
        crowd_slot -> Nullable<Integer>,
        comment -> Nullable<Text>,
        comment_lang -> Nullable<Text>,
        codes_json -> Text,
        hidden -> Bool,
        comment_hidden -> Bool,
        moderation_reason -> Nullable<Text>,
        moderated_by -> Nullable<Text>,
        moderated_at -> Nullable<Text>,
        revision -> BigInt,
        created_at -> Text,
        updated_at -> Text,
        evidence_weight -> Integer,
    }
}

diesel::table! {
    plan_feedback (id) {
        id -> Text,
        plan_id -> Text,
        site_id -> Text,
        visitor_id -> Text,
        snapshot_version -> BigInt,
        followed -> Text,
        overall -> Integer,
        skipped_json -> Text,
        comment -> Nullable<Text>,
        comment_lang -> Nullable<Text>,
        codes_json -> Text,
        hidden -> Bool,
        comment_hidden -> Bool,
        moderation_reason -> Nullable<Text>,
        moderated_by -> Nullable<Text>,
        moderated_at -> Nullable<Text>,
        revision -> BigInt,
        created_at -> Text,
        updated_at -> Text,
        evidence_weight -> Integer,
    }
}

diesel::table! {
    idempotency_keys (visitor_id, idem_key) {
        visitor_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response_json -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    place_aggregates (site_id, place_id) {
        site_id -> Text,
        place_id -> Text,
        ratings_n -> BigInt,
        overall_w -> BigInt,
        overall_sum -> BigInt,
        overall_sq -> BigInt,
        vfm_w -> BigInt,
        vfm_sum -> BigInt,
        vfm_sq -> BigInt,
        find_w -> BigInt,
        find_sum -> BigInt,
        find_sq -> BigInt,
        photo_w -> BigInt,
        photo_sum -> BigInt,
        photo_sq -> BigInt,
        crowd_w -> BigInt,
        crowd_sum -> BigInt,
        crowd_sq -> BigInt,
        skip_closed -> BigInt,
        skip_crowded -> BigInt,
        skip_could_not_find -> BigInt,
        skip_not_interesting -> BigInt,
        skip_no_time -> BigInt,
    }
}

diesel::table! {
    place_crowding (site_id, place_id, slot) {
        site_id -> Text,
        place_id -> Text,
        slot -> Integer,
        w -> BigInt,
        total -> BigInt,
        sq -> BigInt,
    }
}

diesel::table! {
    snapshot_publications (site_id, version) {
        site_id -> Text,
        version -> BigInt,
        stats_hash -> Text,
        reason -> Text,
        published_by -> Nullable<Text>,
        published_at -> Text,
    }
}

diesel::table! {
    visits (id) {
        id -> Text,
        site_id -> Text,
        place_id -> Text,
        visitor_hash -> Text,
        arrived_at -> Text,
        left_at -> Nullable<Text>,
        source -> Text,
        source_ref -> Text,
        created_at -> Text,
    }
}
