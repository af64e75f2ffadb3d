-- IRO QA checklist grades, and whether each counts as an escalation under the version of the
-- protocol in force on the day it was given (int_protocol): an Inadequate grade counts as an
-- escalation at qa_inadequate_trigger_stage (Rotherham: stage 1) unless the grade links a
-- challenge that exists (then that challenge is the escalation).

with

grades as (

    select * from {{ ref('stg_qa_grades') }}

),

children as (

    select * from {{ ref('stg_children') }}

),

challenges as (

    select * from {{ ref('stg_challenges') }}

),

protocol as (

    select * from {{ ref('int_protocol') }}

),

classified as (

    select
        grades.grade_id,
        grades.child_id,
        grades.graded_on,
        grades.iro_worker_id,
        grades.grade,
        grades.challenge_id as linked_challenge_id,
        linked.challenge_id is not null as links_existing_challenge,
        children.child_id is not null as is_known_child,
        children.legal_status as child_legal_status,
        children.allocated_worker_id,
        protocol.qa_inadequate_trigger_stage as trigger_stage,
        grades.grade = 'inadequate'
        and protocol.qa_inadequate_trigger_stage is not null as is_trigger_grade,
        grades.load_id,
        grades.source_file,
        grades.source_row
    from grades
    left join protocol
        on grades.graded_on between protocol.effective_from and protocol.effective_until
    left join children
        on grades.child_id = children.child_id
    left join challenges as linked
        on grades.challenge_id = linked.challenge_id

),

final as (

    select
        grade_id,
        child_id,
        graded_on,
        iro_worker_id,
        grade,
        linked_challenge_id,
        links_existing_challenge,
        is_known_child,
        child_legal_status,
        allocated_worker_id,
        is_trigger_grade,
        case when is_trigger_grade then trigger_stage end as trigger_stage,
        is_trigger_grade and not links_existing_challenge and is_known_child as triggers_challenge,
        case
            when is_trigger_grade and not links_existing_challenge and is_known_child
                then 'qa-' || grade_id
        end as triggered_challenge_id,
        case
            when is_trigger_grade and not links_existing_challenge and not is_known_child
                then 'qa_unknown_child'
            when is_trigger_grade and linked_challenge_id is not null and not links_existing_challenge
                then 'qa_links_unknown_challenge'
        end as issue_code,
        load_id,
        source_file,
        source_row
    from classified

)

select * from final
