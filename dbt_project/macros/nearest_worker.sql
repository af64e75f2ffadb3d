{#
    Finding "the worker in a role valid on the day, nearest first" (the responsible manager in
    int_stage_responsible_managers, notification recipients in int_notification_recipients):
    one definition of near, and one of how far to look for each role.
#}

{#
    How near a worker's spell is to a team: 1 the same team, 2 the same service, 3 the same
    division, 4 anywhere.
#}
{% macro spell_nearness(spell, team_id, service_name, division_name) -%}
    case
        when {{ spell }}.team_id = {{ team_id }} then 1
        when {{ spell }}.service_name = {{ service_name }} then 2
        when {{ spell }}.division_name = {{ division_name }} then 3
        else 4
    end
{%- endmacro %}


{#
    How far to look for a role (the largest spell_nearness accepted): the team for a team
    manager or social worker, the service for service managers and the IRO's assistant service
    manager, anywhere (nearest first) for every other role.
#}
{% macro search_reach(role) -%}
    case {{ role }}
        when 'team_manager' then 1
        when 'social_worker' then 1
        when 'iro_asm' then 2
        when 'service_manager' then 2
        when 'safeguarding_service_manager' then 2
        else 4
    end
{%- endmacro %}
