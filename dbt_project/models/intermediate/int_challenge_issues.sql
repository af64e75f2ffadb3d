-- Data-quality issues of challenge records (mart_data_quality_issues): a challenge left out
-- (its issue_code), a team not resolved or not the one recorded, an unknown theme code, a formal
-- entry above stage 1 where the challenge's protocol version allows no bypass. One row per record and issue.

with

challenges as (

    select * from {{ ref('int_challenges') }}

),

challenge_themes as (

    select * from {{ ref('int_challenge_themes') }}

),

protocol as (

    select * from {{ ref('int_protocol') }}

),

challenge_issues as (

    select
        challenges.source_table,
        challenges.source_record_id as record_id,
        challenges.challenge_id,
        challenges.issue_code,
        'route ' || coalesce(challenges.route, '?') || ', entry stage '
        || coalesce(cast(challenges.entry_stage as varchar), 'empty')
        || ', legal status ' || coalesce(challenges.legal_status, '?') as issue_detail,
        challenges.raised_on as record_date,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenges
    where challenges.issue_code is not null

),

team_issues as (

    select
        challenges.source_table,
        challenges.source_record_id as record_id,
        challenges.challenge_id,
        case
            when challenges.team_source = 'unresolved' then 'team_not_resolved'
            else 'unknown_team'
        end as issue_code,
        'team_id ' || coalesce(challenges.recorded_team_id, 'empty') || ', social worker '
        || coalesce(challenges.social_worker_id, 'empty') || ', raised '
        || cast(challenges.raised_on as varchar) as issue_detail,
        challenges.raised_on as record_date,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenges
    where
        challenges.is_valid
        and (
            challenges.team_source = 'unresolved'
            or (challenges.recorded_team_id is not null and challenges.team_source <> 'challenge')
        )

),

theme_issues as (

    select
        challenges.source_table,
        challenges.source_record_id as record_id,
        challenges.challenge_id,
        'unknown_theme' as issue_code,
        'theme code ''' || challenge_themes.theme_code || '''' as issue_detail,
        challenges.raised_on as record_date,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenge_themes
    inner join challenges
        on challenge_themes.challenge_id = challenges.challenge_id
    where not challenge_themes.is_known_theme

),

entry_bypass_issues as (

    select
        challenges.source_table,
        challenges.source_record_id as record_id,
        challenges.challenge_id,
        'bypass_not_allowed' as issue_code,
        'entered at stage ' || cast(challenges.entry_stage as varchar) as issue_detail,
        challenges.raised_on as record_date,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenges
    -- the version of the protocol the challenge follows (in force on the day it was raised)
    inner join protocol
        on challenges.protocol_version_id = protocol.protocol_version_id
    where
        challenges.is_valid
        and challenges.entry_stage > 1
        and not protocol.bypass_allowed

),

final as (

    select * from challenge_issues
    union all
    select * from team_issues
    union all
    select * from theme_issues
    union all
    select * from entry_bypass_issues

)

select * from final
