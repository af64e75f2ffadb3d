"""One authority, generated on its own from its own random stream, with authority-local integer ids:
its organisation and staff, children, challenges and their histories, and QA grades.
"""

from __future__ import annotations

import numpy as np

from demo.allocation import allocated, pick, pick_known, sticky_u
from demo.behaviour import (
    ACT_RESPONDER,
    AGE_P,
    CHILD_STATUS_P,
    CONTEXT_P,
    ENTRY_P,
    ESC,
    GRADE_P,
    LAC,
    MONTH_WEIGHT,
    P_GRADE_LINKED,
    RESP,
    STATUS_OF_CHALLENGE_P,
    STATUSES,
    WINDOW_MEAN,
)
from demo.histories import PLANTED, PLANTED_QA, Events, lifecycle, pick_texts
from demo.organisation import HOME_SERVICE, build_org, build_staff
from demo.scales import CHALLENGES_PER_YEAR, CHILDREN_PER_YEAR, WD_PER_YEAR
from demo.vocabulary import CHILD_NAMES, CONCERNS, GENERIC_CONCERNS, QA_CONCERN
from ingest import schema


def generate_authority(args: tuple) -> dict:
    """Generate one authority with authority-local integer ids (run in a worker process)."""
    a_idx, seed, size, suffix, cal, themes = args
    rng = np.random.default_rng(np.random.SeedSequence([seed, a_idx]))
    s0, e0 = cal.s0, cal.e0
    years = (e0 - s0 + 1) / WD_PER_YEAR
    org = build_org(size, suffix)
    staff = build_staff(rng, org, cal)
    roles = {r: i for i, r in enumerate(schema.ROLES)}

    # ---- children -------------------------------------------------------------------------------
    n_ch = max(12, int(rng.poisson(CHILDREN_PER_YEAR * size * (years + 1.5))))
    status = rng.choice(3, n_ch, p=CHILD_STATUS_P)
    lo = s0 - int(1.5 * WD_PER_YEAR)
    w0 = lo + ((e0 - lo) * rng.random(n_ch)).astype(np.int64)
    n_planted = len(PLANTED)
    p_status = np.array([p[0] for p in PLANTED])
    status = np.concatenate([status, p_status])
    w0 = np.concatenate([w0, np.full(n_planted, e0 - 120)])
    n_ch += n_planted
    dur = (rng.exponential(1.0, n_ch) * WINDOW_MEAN[status]).astype(np.int64) + 20
    u = rng.random(n_ch)
    age_years = (u[:, None] > np.cumsum(AGE_P[status], axis=1)).sum(axis=1)
    age_years[-n_planted:] = rng.integers(2, 15, n_planted)
    age_days = age_years * 365 + rng.integers(0, 365, n_ch)
    dob = cal.bdays[w0].astype(np.int64) - age_days  # days since epoch
    turn18 = dob + 18 * 365 + 4  # (approximately) the 18th birthday
    w18 = np.searchsorted(cal.bdays.astype(np.int64), turn18) - 1
    w1 = np.minimum(np.minimum(w0 + dur, w18), e0)
    w1[-n_planted:] = e0
    w0c = np.maximum(w0, s0)
    keep = w1 >= w0c
    keep[-n_planted:] = True
    status, w0, w0c, w1, dob = status[keep], w0[keep], w0c[keep], w1[keep], dob[keep]
    n_ch = status.size
    planted_child = np.arange(n_ch - n_planted, n_ch)
    gender = rng.choice(3, n_ch, p=[0.52, 0.47, 0.01])
    svc_idx = {name: i for i, name in enumerate(s.removesuffix(suffix) for s in org.service_names)}
    home = np.empty(n_ch, np.int64)
    for st, code in enumerate(STATUSES):
        names, w = zip(*HOME_SERVICE[code].items(), strict=True)
        k = status == st
        home[k] = np.array([svc_idx[x] for x in names])[
            rng.choice(len(names), k.sum(), p=np.array(w) / sum(w))
        ]
    u_sw, off_sw = rng.random(n_ch), rng.integers(0, 200, n_ch)
    u_iro, off_iro = rng.random(n_ch), rng.integers(0, 520, n_ch)

    sw_role, iro_role, chair_role = roles["social_worker"], roles["iro"], roles["conference_chair"]
    spell_service = org.team_service[staff.team]

    def pick_sw(child: np.ndarray, days: np.ndarray) -> np.ndarray:
        out = np.full(child.size, -1, np.int64)
        u = sticky_u(u_sw[child], off_sw[child], days, 200)
        for sv in np.unique(home[child]):
            k = home[child] == sv
            pool = np.flatnonzero((staff.role == sw_role) & (spell_service == sv))
            sel = pick(staff.frm[pool], staff.to[pool], days[k], u[k])
            out[k] = np.where(sel >= 0, pool[np.maximum(sel, 0)], -1)
        missing = out < 0
        if missing.any():  # no social worker in the home service that day: anyone
            pool = np.flatnonzero(staff.role == sw_role)
            sel = pick(staff.frm[pool], staff.to[pool], days[missing], u[missing])
            out[missing] = pool[np.maximum(sel, 0)]
        return out

    def pick_iro(child: np.ndarray, days: np.ndarray) -> np.ndarray:
        out = np.full(child.size, -1, np.int64)
        u = sticky_u(u_iro[child], off_iro[child], days, 520)
        for r, k in ((iro_role, status[child] == LAC), (chair_role, status[child] != LAC)):
            pool = np.flatnonzero(staff.role == r)
            sel = pick(staff.frm[pool], staff.to[pool], days[k], u[k])
            out[k] = pool[np.maximum(sel, 0)]
        return out

    # ---- QA checklists before LAC reviews ------------------------------------------------------
    lac_ch = np.flatnonzero(status == LAC)
    span = w1[lac_ch] - w0[lac_ch]
    n_rev = np.where(span >= 20, 1, 0) + np.where(span >= 85, 1 + (span - 85) // 130, 0)
    rc = np.repeat(lac_ch, n_rev)
    k_in = np.arange(rc.size) - np.repeat(np.cumsum(n_rev) - n_rev, n_rev)
    review = w0[rc] + np.where(k_in == 0, 20, 85 + (k_in - 1) * 130)
    graded = review - rng.integers(1, 6, rc.size)
    ok = (graded >= w0c[rc]) & (graded >= s0) & (graded <= e0)
    g_child, g_day = rc[ok], graded[ok]
    g_grade = rng.choice(4, g_child.size, p=GRADE_P)
    g_iro_spell = pick_iro(g_child, g_day)
    g_linked = (g_grade == 3) & (rng.random(g_child.size) < P_GRADE_LINKED)

    # ---- challenges ----------------------------------------------------------------------------
    n_reg = int(rng.poisson(CHALLENGES_PER_YEAR * size * years))
    c_status = rng.choice(3, n_reg, p=STATUS_OF_CHALLENGE_P)
    # dates first (slowly rising demand, quieter August and December), then a child known that day
    growth = 0.35
    c_day = np.zeros(n_reg, np.int64)
    todo = np.arange(n_reg)
    month = cal.bdays.astype("datetime64[M]").astype(np.int64) % 12
    for _ in range(8):
        u = rng.random(todo.size)
        x = (np.sqrt(1 + 2 * growth * u * (1 + growth / 2)) - 1) / growth
        c_day[todo] = s0 + np.minimum((x * (e0 - s0 + 1)).astype(np.int64), e0 - s0)
        todo = todo[rng.random(todo.size) > MONTH_WEIGHT[month[c_day[todo]]]]
        if todo.size == 0:
            break
    c_child = np.full(n_reg, -1, np.int64)
    u = rng.random(n_reg)
    for st in range(3):
        k = np.flatnonzero(c_status == st)
        pool = np.flatnonzero(status == st)
        sel = pick_known(rng, w0c[pool], w1[pool], c_day[k])
        c_child[k[sel >= 0]] = pool[sel[sel >= 0]]
    k = np.flatnonzero(c_child < 0)  # nobody of that status known that day: anybody known that day
    if k.size:
        sel = pick(w0c, w1, c_day[k], u[k])
        c_child[k] = sel
        k = k[sel < 0]
        if k.size:  # nobody at all (tiny scale): the child whose window is nearest
            gap = np.maximum(w0c[None, :] - c_day[k, None], c_day[k, None] - w1[None, :])
            c_child[k] = np.argmin(gap, axis=1)
            c_day[k] = np.clip(c_day[k], w0c[c_child[k]], w1[c_child[k]])
    c_status = status[c_child]
    c_context = (rng.random(n_reg)[:, None] > np.cumsum(CONTEXT_P[c_status], axis=1)).sum(axis=1)
    c_entry = rng.choice(5, n_reg, p=ENTRY_P)

    # QA-linked challenges (stage 1, raised the same day by the same IRO)
    q = np.flatnonzero(g_linked)
    # planted
    p_raised = e0 + np.array([p[3] for p in PLANTED])
    all_child = np.concatenate([c_child, g_child[q], planted_child])
    all_day = np.concatenate([c_day, g_day[q], p_raised])
    all_context = np.concatenate([c_context, np.full(q.size, 3), [p[1] for p in PLANTED]])
    all_entry = np.concatenate([c_entry, np.ones(q.size, np.int64), [p[2] for p in PLANTED]])
    kind = np.concatenate([np.zeros(n_reg, np.int64), np.ones(q.size, np.int64), np.full(n_planted, 2)])
    order = np.lexsort((np.arange(all_day.size), all_day))
    all_child, all_day, all_context, all_entry, kind = (
        x[order] for x in (all_child, all_day, all_context, all_entry, kind)
    )
    pos = np.empty(order.size, np.int64)
    pos[order] = np.arange(order.size)
    n_c = all_day.size
    qa_pos = pos[n_reg : n_reg + q.size]
    planted_pos = pos[n_reg + q.size :]
    # the planted QA case gets an inadequate grade linked to it
    pq = PLANTED_QA
    g_child = np.append(g_child, planted_child[pq])
    g_day = np.append(g_day, p_raised[pq])
    g_grade = np.append(g_grade, 3)
    g_iro_spell = np.append(g_iro_spell, pick_iro(planted_child[pq : pq + 1], p_raised[pq : pq + 1]))
    g_challenge = np.full(g_child.size, -1, np.int64)
    g_challenge[q] = qa_pos
    g_challenge[-1] = planted_pos[pq]

    c_st = status[all_child]
    iro_spell = pick_iro(all_child, all_day)
    # QA-linked: exactly the grade's IRO
    iro_spell[qa_pos] = g_iro_spell[q]
    iro_spell[planted_pos[pq]] = g_iro_spell[-1]
    sw_spell = pick_sw(all_child, all_day)
    c_team = staff.team[sw_spell]
    c_sw = staff.worker[sw_spell]
    c_iro = staff.worker[iro_spell]
    c_iro_team = staff.team[iro_spell]

    # ---- events --------------------------------------------------------------------------------
    ev = Events()
    reg = np.flatnonzero(kind != 2)
    lifecycle(rng, ev, reg, all_day[reg], all_entry[reg], c_st[reg] == LAC)
    for p_i, (_st, _ctx, _entry, _off, script) in enumerate(PLANTED):
        c = planted_pos[p_i]
        for j, (typ, off, stage, sat, pool, actor) in enumerate(script):
            text = int(pick_texts(rng, pool, 1)[0]) if pool else -1
            is_reason = typ == ESC or (pool or "").startswith("reason")
            ev.add(
                [c],
                typ,
                e0 + off,
                j,
                stage,
                sat=sat,
                reason=text if is_reason else -1,
                note=-1 if is_reason else text,
                actor=actor,
            )
    e = ev.arrays()
    keep = e["day"] <= e0
    e = {k: v[keep] for k, v in e.items()}
    o = np.lexsort((e["ch"], e["order"], e["day"]))  # chronological event ids
    e = {k: v[o] for k, v in e.items()}
    n_e = e["ch"].size

    # ---- who: raised_with, assigned_to, actor, recorded_by -------------------------------------
    def manager(stage: np.ndarray, team: np.ndarray, day: np.ndarray) -> np.ndarray:
        d = day - s0
        out = np.full(stage.size, -1, np.int64)
        svc = org.team_service[team]
        div = org.team_division[team]
        for st, level, unit in (
            (1, "team_manager", team),
            (2, "service_manager", svc),
            (3, "head_of_service", div),
            (4, "assistant_director", org.division_ad[div]),
        ):
            k = stage == st
            out[k] = staff.holder[level][unit[k], d[k]]
        k = stage == 0
        out[k] = staff.holder["team_manager"][team[k], d[k]]
        return out

    with_sw = (all_entry == 0) & (rng.random(n_c) < 0.55)
    c_with = np.where(with_sw, c_sw, manager(all_entry, c_team, all_day))

    ech = e["ch"]
    eday = e["day"]
    estage = e["stage"]
    team_e = c_team[ech]
    # the IRO/Chair acts, or their Assistant Service Manager once they have left
    iro_w = c_iro[ech]
    iro_here = staff.present[iro_w, eday - s0]
    asm = staff.holder["assistant_service_manager"][c_iro_team[ech], eday - s0]
    iro_actor = np.where(iro_here, iro_w, asm)
    # responder: stage manager; at stage 0 the person it was raised with while still in the team
    resp = manager(estage, team_e, eday)
    sw_still = with_sw[ech] & (staff.to[sw_spell[ech]] >= eday)
    resp = np.where((estage == 0) & sw_still, c_with[ech], resp)
    actor = np.where(e["actor"] == ACT_RESPONDER, resp, iro_actor)
    assigned = np.where(e["type"] == ESC, manager(estage, team_e, eday), -1)
    recorded_by = np.where((e["type"] == RESP) & (rng.random(n_e) < 0.25), iro_actor, actor)
    # recorded the same day in office hours, sometimes 1-3 working days late (never after `end`)
    late = np.where(rng.random(n_e) < 0.08, rng.integers(1, 4, n_e), 0)
    rec_day = np.where(eday + late <= e0, eday + late, eday)
    secs = cal.bdays[rec_day].astype(np.int64) * 86400 + rng.integers(8 * 3600, 18 * 3600 + 1800, n_e)
    # keep recorded_at in event order within a challenge
    if n_e:
        big = secs.max() + 1
        grp = np.argsort(ech, kind="stable")
        adj = ech[grp] * big + secs[grp]
        secs[grp] = np.maximum.accumulate(adj) - ech[grp] * big

    # ---- themes and concerns -------------------------------------------------------------------
    n_th = len(themes.codes)
    frac = (all_day - s0) / max(1, e0 - s0)
    logw = themes.log_w[c_st] + np.where(themes.declining[None, :], np.log(1.6 - 1.0 * frac)[:, None], 0.0)
    keys = logw + rng.gumbel(size=(n_c, n_th))
    k_th = np.minimum(rng.choice([1, 2, 3], n_c, p=[0.5, 0.33, 0.17]), n_th)
    if n_th > 3:
        top = np.argpartition(-keys, 2, axis=1)[:, :3]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1), axis=1)
    else:
        top = np.argsort(-keys, axis=1)
        top = np.pad(top, ((0, 0), (0, 3 - top.shape[1])), constant_values=-1)
    finite = np.take_along_axis(np.isfinite(keys), np.maximum(top, 0), axis=1) & (top >= 0)
    top = np.where((np.arange(3)[None, :] < k_th[:, None]) & finite, top, -1)
    top[:, 0] = np.argmax(keys, axis=1)
    names = np.array(CHILD_NAMES)[rng.integers(0, len(CHILD_NAMES), n_c)]
    their = np.where(gender[all_child] == 0, "his", np.where(gender[all_child] == 1, "her", "their"))
    tpl_u = rng.random(n_c)
    concerns = []
    for i in range(n_c):
        code = themes.codes[top[i, 0]]
        label = themes.labels[top[i, 0]]
        if all_context[i] == 3:
            concerns.append(QA_CONCERN.format(label_lower=label[:1].lower() + label[1:]))
            continue
        pool = CONCERNS.get(code, GENERIC_CONCERNS)
        concerns.append(pool[int(tpl_u[i] * len(pool))].format(name=names[i], their=their[i], label=label))

    return {
        "org": org,
        "staff": staff,
        "children": {
            "status": status,
            "dob": dob,
            "gender": gender,
            "allocated": allocated(pick_sw, staff, n_ch, w1, dob, cal),
        },
        "challenges": {
            "child": all_child,
            "day": all_day,
            "raised_by": c_iro,
            "sw": c_sw,
            "team": c_team,
            "status": c_st,
            "context": all_context,
            "entry": all_entry,
            "themes": top,
            "concern": concerns,
            "with": c_with,
        },
        "events": {
            "ch": ech,
            "type": e["type"],
            "day": eday,
            "stage": estage,
            "actor": actor,
            "assigned": assigned,
            "sat": e["sat"],
            "reason": e["reason"],
            "note": e["note"],
            "rec_secs": secs,
            "rec_by": recorded_by,
        },
        "grades": {
            "child": g_child[np.argsort(g_day, kind="stable")],
            "day": np.sort(g_day, kind="stable"),
            "iro": staff.worker[g_iro_spell][np.argsort(g_day, kind="stable")],
            "grade": g_grade[np.argsort(g_day, kind="stable")],
            "challenge": g_challenge[np.argsort(g_day, kind="stable")],
        },
    }
