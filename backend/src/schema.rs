// @generated automatically by Diesel CLI.

diesel::table! {
    code_evidence (id) {
        id -> Text,
        repository_id -> Text,
        run_id -> Nullable<Text>,
        external -> Bool,
        ticket_key -> Text,
        provider -> Nullable<Text>,
        model -> Nullable<Text>,
        origin_commit -> Text,
        line_count -> BigInt,
        created_at -> Text,
        content_checked -> Bool,
    }
}

diesel::table! {
    code_ranges (id) {
        id -> Integer,
        evidence_id -> Text,
        path -> Text,
        start_line -> Integer,
        end_line -> Integer,
        line_hashes -> Nullable<Binary>,
    }
}

diesel::table! {
    code_reconciliations (id) {
        id -> Text,
        repository_id -> Text,
        status -> Text,
        cause -> Text,
        from_commit -> Nullable<Text>,
        to_commit -> Nullable<Text>,
        error -> Nullable<Text>,
        counts -> Nullable<Text>,
        created_at -> Text,
        started_at -> Nullable<Text>,
        finished_at -> Nullable<Text>,
        duration_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    code_repos (repository_id) {
        repository_id -> Text,
        tracked_branch -> Nullable<Text>,
        last_commit -> Nullable<Text>,
        last_reconciled_at -> Nullable<Text>,
        loc_total -> BigInt,
        status -> Text,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    code_segments (id) {
        id -> Integer,
        repository_id -> Text,
        evidence_id -> Text,
        range_id -> Integer,
        range_offset -> Integer,
        line_count -> Integer,
        status -> Text,
        path -> Text,
        start_line -> Integer,
        at_commit -> Text,
        content_hash -> Nullable<Text>,
        changed_at -> Text,
    }
}

diesel::table! {
    commands (id) {
        id -> Integer,
        run_id -> Text,
        source -> Text,
        stage -> Text,
        attempt -> Integer,
        argv -> Text,
        cwd -> Nullable<Text>,
        exit_code -> Nullable<Integer>,
        timed_out -> Bool,
        duration_ms -> Nullable<BigInt>,
        started_at -> Text,
        output_tail -> Nullable<Text>,
        pid -> Nullable<Integer>,
        purpose -> Nullable<Text>,
    }
}

diesel::table! {
    diff_guard_flags (id) {
        id -> Integer,
        run_id -> Text,
        rule -> Text,
        path -> Nullable<Text>,
        message -> Text,
    }
}

diesel::table! {
    events (run_id, seq) {
        run_id -> Text,
        seq -> BigInt,
        ts -> Text,
        kind -> Text,
        stage -> Nullable<Text>,
        attempt -> Nullable<Integer>,
        stream -> Nullable<Text>,
        text -> Nullable<Text>,
        data -> Nullable<Text>,
    }
}

diesel::table! {
    file_changes (id) {
        id -> Integer,
        run_id -> Text,
        path -> Text,
        old_path -> Nullable<Text>,
        change -> Text,
        additions -> BigInt,
        deletions -> BigInt,
        diff -> Nullable<Text>,
    }
}

diesel::table! {
    health_probes (id) {
        id -> Integer,
        token -> Text,
        written_at -> Text,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        repository_id -> Text,
        ticket_key -> Text,
        ticket_title -> Text,
        ticket_body -> Nullable<Text>,
        ticket_url -> Nullable<Text>,
        ticket_source -> Nullable<Text>,
        spec -> Text,
        is_sample -> Bool,
        created_at -> Text,
    }
}

diesel::table! {
    provider_settings (kind, name) {
        kind -> Text,
        name -> Text,
        value -> Nullable<Text>,
        secret -> Nullable<Binary>,
        updated_at -> Text,
    }
}

diesel::table! {
    repositories (id) {
        id -> Text,
        url -> Text,
        name -> Text,
        default_branch -> Nullable<Text>,
        created_at -> Text,
    }
}

diesel::table! {
    review_findings (id) {
        id -> Integer,
        run_id -> Text,
        severity -> Text,
        message -> Text,
        path -> Nullable<Text>,
        line -> Nullable<Integer>,
    }
}

diesel::table! {
    run_artifacts (run_id) {
        run_id -> Text,
        patch -> Nullable<Text>,
        review_approved -> Nullable<Bool>,
        review_fixes_ran -> Bool,
        repair_attempts -> Integer,
        max_repair_attempts -> Integer,
        context_file -> Nullable<Text>,
        base_ref -> Nullable<Text>,
    }
}

diesel::table! {
    run_states (id) {
        id -> Integer,
        run_id -> Text,
        status -> Text,
        stage -> Nullable<Text>,
        at -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    runs (id) {
        id -> Text,
        job_id -> Text,
        attempt -> Integer,
        status -> Text,
        stage -> Nullable<Text>,
        repository_id -> Text,
        ticket_key -> Text,
        ticket_title -> Text,
        ticket_url -> Nullable<Text>,
        provider_id -> Nullable<Text>,
        provider_model -> Nullable<Text>,
        executor_id -> Nullable<Text>,
        executor_name -> Nullable<Text>,
        branch -> Nullable<Text>,
        base_commit -> Nullable<Text>,
        head_commit -> Nullable<Text>,
        pushed -> Bool,
        created_at -> Text,
        started_at -> Nullable<Text>,
        finished_at -> Nullable<Text>,
        reason_code -> Nullable<Text>,
        reason -> Nullable<Text>,
        failed_stage -> Nullable<Text>,
        error_message -> Nullable<Text>,
        error_detail -> Nullable<Text>,
        input_tokens -> BigInt,
        output_tokens -> BigInt,
        cache_read_tokens -> BigInt,
        cost_usd -> Double,
        usage_estimated -> Bool,
        validation_mode -> Text,
        validation_passed -> Nullable<Bool>,
        event_count -> BigInt,
        last_event_seq -> BigInt,
        events_retained -> Bool,
        audit_retained -> Bool,
        audit_expires_at -> Nullable<Text>,
        event_bytes -> BigInt,
        code_audit_retained -> Bool,
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    settings_history (id) {
        id -> Integer,
        changed_at -> Text,
        name -> Text,
        old_value -> Text,
        new_value -> Text,
        who -> Text,
    }
}

diesel::table! {
    stages (id) {
        id -> Integer,
        run_id -> Text,
        name -> Text,
        position -> Integer,
        attempt -> Integer,
        status -> Text,
        started_at -> Nullable<Text>,
        finished_at -> Nullable<Text>,
        duration_ms -> Nullable<BigInt>,
        first_seq -> Nullable<BigInt>,
        last_seq -> Nullable<BigInt>,
        summary -> Nullable<Text>,
    }
}

diesel::joinable!(code_evidence -> repositories (repository_id));
diesel::joinable!(code_ranges -> code_evidence (evidence_id));
diesel::joinable!(code_reconciliations -> repositories (repository_id));
diesel::joinable!(code_repos -> repositories (repository_id));
diesel::joinable!(code_segments -> code_evidence (evidence_id));
diesel::joinable!(code_segments -> code_ranges (range_id));
diesel::joinable!(commands -> runs (run_id));
diesel::joinable!(diff_guard_flags -> runs (run_id));
diesel::joinable!(file_changes -> runs (run_id));
diesel::joinable!(jobs -> repositories (repository_id));
diesel::joinable!(review_findings -> runs (run_id));
diesel::joinable!(run_artifacts -> runs (run_id));
diesel::joinable!(run_states -> runs (run_id));
diesel::joinable!(runs -> jobs (job_id));
diesel::joinable!(runs -> repositories (repository_id));
diesel::joinable!(stages -> runs (run_id));

diesel::allow_tables_to_appear_in_same_query!(
    code_evidence,
    code_ranges,
    code_reconciliations,
    code_repos,
    code_segments,
    commands,
    diff_guard_flags,
    events,
    file_changes,
    health_probes,
    jobs,
    provider_settings,
    repositories,
    review_findings,
    run_artifacts,
    run_states,
    runs,
    settings,
    settings_history,
    stages,
);
