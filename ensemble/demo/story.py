"""The "In a City" story, built through the same services members use.

`build(media, say=print)` makes, in order: the cast; the poem and the song set to it; the
collaboration with its brief, invitations and submissions from seven cities; curation with notes,
timecoded comments, hearts and follows; the production with its Official, Extended and
Community cuts, each rendered with the song under it and an end-credits roll; extras released
later; and a published revenue proposal. Each step first looks for what it would make, so a
second run finds everything and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from threading import Thread
from typing import Any

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.utils import timezone

from ensemble.accounts.models import Member
from ensemble.collabs import services as collabs
from ensemble.collabs.models import (
    Assignment,
    Collaboration,
    Invitation,
    OffSpec,
    Status,
    Submission,
    SubmissionState,
)
from ensemble.core.progress import ProgressBar
from ensemble.feedback import services as feedback
from ensemble.feedback.models import Comment, Follow
from ensemble.lineage.models import Role
from ensemble.lineage.services import SourceSpec
from ensemble.media.jobs import media_job_run
from ensemble.media.models import MediaJob
from ensemble.productions import services as productions
from ensemble.productions.jobs import render_request, render_run
from ensemble.productions.models import Cut, Extra, Production, Render
from ensemble.records.models import Record
from ensemble.records.services import record_create_text, record_create_upload
from ensemble.royalties import services as royalties
from ensemble.royalties.models import Pool, Proposal

from .media import CAMERA_MODEL, MediaMaker

PASSWORD = "in-a-city-demo"  # noqa: S105 - printed for the demo's visitors
TITLE = "In a City"

POEM = """\
I walk until the streetlights learn my name,
past shutters, bakeries, the last tram home;
every city keeps a door ajar for strangers.

You walk the same hour somewhere else,
your river, your bridges, your rain;
we are one walk, cut together."""

BRIEF = "\n".join(
    [
        "**Shoot a walk through your city**, at the hour you like it best, for a film cut to "
        "*In a City*, Jonas's setting of Amara's poem.",
        "",
        "- The **official cut** uses 4K footage (3840×2160) shot on the Sony ILME-FX3.",
        "- Phone footage is welcome too: it is marked as not meeting the official requirements "
        "and can reach the **extended cut**.",
        "- Keep it under a minute; title the record with your city.",
    ]
)


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    city: str
    roles: tuple[str, ...]
    bio: str


PRODUCER = Person(
    "lucia", "Lúcia Ferreira", "São Paulo", ("producer",), "Producer of films many hands make."
)
WRITER = Person("amara", "Amara Okafor", "Lagos", ("writer",), "Poems about walking at night.")
MUSICIAN = Person(
    "jonas", "Jonas Novák", "Prague", ("musician",), "Sets other people's words to music."
)


def _cinematographer(username: str, name: str, city: str, bio: str) -> Person:
    return Person(username, name, city, ("cinematographer",), bio)


# Invited cinematographers: one 4K walk each, shot on the brief's camera.
CINEMATOGRAPHERS = {
    person.city: person
    for person in (
        _cinematographer("nour", "Nour Hassan", "Cairo", "Streets at dusk."),
        _cinematographer("tiago", "Tiago Lima", "Rio de Janeiro", "Hills and stairs."),
        _cinematographer("grace", "Grace Whitfield", "London", "Night buses."),
        _cinematographer("petra", "Petra Dvořáková", "Prague", "Bridges, mostly."),
        _cinematographer("haruki", "Haruki Sato", "Tokyo", "Crossings and neon."),
        _cinematographer("maya", "Maya Ortiz", "Los Angeles", "Long boulevards."),
    )
}


@dataclass(frozen=True)
class PhoneClip:
    """Footage from a member's phone, and what the producer decided about it."""

    person: Person
    portrait: bool
    state: str
    note: str


PHONE_CLIPS = [
    PhoneClip(
        Person("sam", "Sam Hollis", "Sheffield", ("photographer",), "Phone in one hand."),
        portrait=True,
        state=SubmissionState.SELECTED,
        note="The only Sheffield walk: in the extended cut.",
    ),
    PhoneClip(
        Person("yui", "Yui Tanaka", "Tokyo", ("animator",), "Draws on the train."),
        portrait=True,
        state=SubmissionState.SELECTED,
        note="Lovely framing through the rain: extended cut.",
    ),
    PhoneClip(
        Person("layla", "Layla Mansour", "Cairo", ("editor",), "Cuts at night."),
        portrait=False,
        state=SubmissionState.SHORTLISTED,
        note="Close; we already have Cairo in 4K.",
    ),
    PhoneClip(
        Person("dev", "Dev Patel", "Los Angeles", ("sound",), "Records everything."),
        portrait=False,
        state=SubmissionState.PASSED,
        note="Thank you! It lives in the community cut.",
    ),
]
# Extras of the production: unseen phone footage, released a week and two weeks after the film.
EXTRAS = [("dev", "Unseen footage: Los Angeles", 7), ("layla", "Unseen footage: Cairo", 14)]

Say = Callable[[str], None]


def cast() -> list[Person]:
    return [
        PRODUCER,
        WRITER,
        MUSICIAN,
        *CINEMATOGRAPHERS.values(),
        *(clip.person for clip in PHONE_CLIPS),
    ]


@dataclass
class Built:
    members: dict[str, Member]
    poem: Record
    song: Record
    collaboration: Collaboration
    production: Production
    cuts: dict[str, Cut]
    proposal: Proposal


def build(media: MediaMaker, *, say: Say = print, stream: Any = None) -> Built:
    say("Members")
    members = {person.username: _member(person) for person in cast()}
    producer = members[PRODUCER.username]

    say("The poem, and the song set to it")
    poem = _text_record(members[WRITER.username], TITLE, POEM)
    song = _upload(
        members[MUSICIAN.username],
        media.song,
        title=f"{TITLE} (song)",
        kind="audio",
        description="Amara's poem, set to an arpeggio over four chords.",
        sources=[SourceSpec(record_id=poem.pk, role=Role.MUSIC)],
    )

    collaboration = _collaboration(producer)
    say("Footage from seven cities")
    with ProgressBar(len(CINEMATOGRAPHERS) + len(PHONE_CLIPS), "Shooting", stream=stream) as bar:
        walks = {}
        for city, person in CINEMATOGRAPHERS.items():
            # Petra cut her walk to the song: the lineage runs poem → song → footage.
            cut_to_song = city == "Prague"
            walks[city] = _upload(
                members[person.username],
                partial(media.camera_walk, city),
                title=f"{TITLE}: {city}",
                kind="video",
                city=city,
                description=f"A walk through {city}, shot in 4K on the {CAMERA_MODEL}"
                + (", cut to Jonas's song." if cut_to_song else "."),
                sources=[SourceSpec(record_id=song.pk, role=Role.MUSIC)] if cut_to_song else [],
            )
            bar.advance()
        phones = {}
        for clip in PHONE_CLIPS:
            phones[clip.person.username] = _upload(
                members[clip.person.username],
                partial(media.phone_clip, clip.person.city, portrait=clip.portrait),
                title=f"{clip.person.city} on my phone",
                kind="video",
                city=clip.person.city,
                description="Shot on my phone on the way home.",
            )
            bar.advance()
    _process([song, *walks.values(), *phones.values()], stream=stream)
    song = _fresh(song)
    walks = {city: _fresh(record) for city, record in walks.items()}
    phones = {username: _fresh(record) for username, record in phones.items()}

    say("Invitations, submissions and curation")
    _invite_and_submit(producer, collaboration, members, walks, phones)
    _curate(producer, collaboration, walks, phones)
    _conversation(members, collaboration, poem, song, walks, phones)

    say("The production and its three cuts")
    production = _production(producer, collaboration, members, phones)
    cuts = _cuts(producer, production, song, fade=min(0.5, media.scale.seconds / 4))
    for name, cut in cuts.items():
        _render(producer, cut, name, stream=stream)

    say("The revenue proposal")
    proposal = _proposal(producer, production, cuts["Official"], members)
    return Built(members, poem, song, collaboration, production, cuts, proposal)


# Members and records ----------------------------------------------------------------------------


def _member(person: Person) -> Member:
    member, created = Member.objects.get_or_create(
        username=person.username,
        defaults={
            "email": f"{person.username}@demo.ensemble.localhost",
            "display_name": person.name,
            "city": person.city,
            "roles": list(person.roles),
            "bio": person.bio,
            # Demo members get their notifications in the site, not by e-mail.
            "email_notifications": False,
        },
    )
    if created:
        member.set_password(PASSWORD)
        member.save(update_fields=["password"])
        EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    return member


def _existing(author: Member, title: str) -> Record | None:
    return Record.objects.filter(author=author, title=title).first()


def _text_record(author: Member, title: str, text: str) -> Record:
    return _existing(author, title) or record_create_text(
        author=author, title=title, text=text, tags=["poem", "city", "night"]
    )


def _upload(author: Member, make: Callable[[], Path], *, title: str, **fields: Any) -> Record:
    found = _existing(author, title)
    if found is not None:
        return found
    path = make()
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return record_create_upload(author=author, upload=upload, title=title, **fields)


def _process(records: list[Record], *, stream: Any) -> None:
    """Run the media jobs here (probe, renditions, previews) rather than wait for a worker."""
    jobs = list(
        MediaJob.objects.filter(version__record__in=records).exclude(state=MediaJob.State.SUCCEEDED)
    )
    with ProgressBar(len(jobs), "Processing media", stream=stream) as bar:
        for job in jobs:
            done = media_job_run(job_id=job.pk)
            if done is not None and done.state != MediaJob.State.SUCCEEDED:
                raise RuntimeError(f"Processing {job.version} failed: {done.message}")
            bar.advance()


def _fresh(record: Record) -> Record:
    """The record as processing left it (its version now has a probe)."""
    return Record.objects.select_related("author", "current_version").get(pk=record.pk)


# The collaboration ------------------------------------------------------------------------------


def _collaboration(producer: Member) -> Collaboration:
    found = Collaboration.objects.filter(title=TITLE, leaderships__member=producer).first()
    if found is not None:
        return found
    deadline = timezone.localtime(timezone.now() + timedelta(days=30)).replace(tzinfo=None)
    collaboration = collabs.collaboration_create(
        leader=producer,
        title=TITLE,
        brief=BRIEF,
        kinds=["video"],
        min_width=3840,
        min_height=2160,
        camera=CAMERA_MODEL,
        off_spec=OffSpec.MARK,
        deadline=deadline.replace(hour=23, minute=59, second=0, microsecond=0),
        deadline_zone="Europe/Prague",
        partner_name="Ensemble Film Club",
        budget="5000.00",
        budget_currency="EUR",
    )
    collabs.collaboration_status_set(
        actor=producer, collaboration=collaboration, status=Status.OPEN
    )
    return collaboration


def _invite_and_submit(
    producer: Member,
    collaboration: Collaboration,
    members: dict[str, Member],
    walks: dict[str, Record],
    phones: dict[str, Record],
) -> None:
    assignment = Assignment.objects.filter(
        collaboration=collaboration, title="4K walks"
    ).first() or collabs.assignment_create(
        actor=producer,
        collaboration=collaboration,
        title="4K walks",
        description="One walk through your city in 4K on the FX3, for the official cut.",
    )
    invited = set(
        Invitation.objects.filter(assignment=assignment).values_list("member_id", flat=True)
    )
    people = [members[p.username] for p in CINEMATOGRAPHERS.values()]
    uninvited = [m for m in people if m.pk not in invited]
    if uninvited:
        collabs.invitations_send(
            actor=producer,
            assignment=assignment,
            members=uninvited,
            message="Would you walk your city for us, camera rolling?",
        )
    for invitation in Invitation.objects.filter(
        assignment=assignment, state=Invitation.State.PENDING
    ):
        collabs.invitation_answer(member=invitation.member, invitation=invitation, accept=True)

    if collaboration.status != Status.OPEN:
        return  # already past submissions (a second run)
    submitted = set(
        Submission.objects.filter(collaboration=collaboration).values_list("record_id", flat=True)
    )
    for record in [*walks.values(), *phones.values()]:
        if record.pk not in submitted:
            collabs.submission_create(
                member=record.author, collaboration=collaboration, records=[record]
            )
    collabs.collaboration_status_set(
        actor=producer, collaboration=collaboration, status=Status.CURATING
    )
    collaboration.refresh_from_db()


def _decide(producer: Member, submission: Submission, steps: list[tuple[str, str]]) -> None:
    if submission.decisions.exists():
        return
    for state, note in steps:
        collabs.submission_decide(actor=producer, submission=submission, state=state, note=note)


def _curate(
    producer: Member,
    collaboration: Collaboration,
    walks: dict[str, Record],
    phones: dict[str, Record],
) -> None:
    by_record = {s.record_id: s for s in Submission.objects.filter(collaboration=collaboration)}
    for city, record in walks.items():
        _decide(
            producer,
            by_record[record.pk],
            [
                (SubmissionState.SHORTLISTED, ""),
                (SubmissionState.SELECTED, f"{city} opens beautifully; in the official cut."),
            ],
        )
    for clip in PHONE_CLIPS:
        first = (
            [] if clip.state == SubmissionState.SHORTLISTED else [(SubmissionState.SHORTLISTED, "")]
        )
        submission = by_record[phones[clip.person.username].pk]
        _decide(producer, submission, [*first, (clip.state, clip.note)])


def _comment(author: Member, target: Any, body: str, timecode: float | None = None) -> None:
    """A comment; with a timecode, at that time or halfway through shorter (tiny) media, and
    "{at}" in the body reads as that time."""
    if timecode is not None:
        timecode = min(timecode, round(target.current_version.duration / 2, 1))
        body = body.format(at=f"{int(timecode // 60)}:{int(timecode % 60):02d}")
    if not Comment.objects.filter(author=author, body=body).exists():
        feedback.comment_add(author=author, target=target, body=body, timecode=timecode)


def _conversation(
    members: dict[str, Member],
    collaboration: Collaboration,
    poem: Record,
    song: Record,
    walks: dict[str, Record],
    phones: dict[str, Record],
) -> None:
    producer, writer, musician = (members[p.username] for p in (PRODUCER, WRITER, MUSICIAN))
    _comment(musician, poem, "The second stanza wanted to be sung. I hope I did it justice.")
    _comment(writer, song, "The arpeggio at {at} is exactly the tram I had in mind.", 2.0)
    _comment(producer, walks["Prague"], "The light at {at} is the opening shot of the film.", 1.0)
    _comment(producer, walks["Tokyo"], "@haruki this crossing at {at} is magic.", 2.0)
    _comment(members["sam"], collaboration, "Sheffield is hilly, but it is walkable. Promise.")
    for member in members.values():
        for record in (poem, song):
            if member != record.author:
                feedback.heart_add(member=member, record=record)
    for record in [*walks.values(), *phones.values()]:
        feedback.heart_add(member=producer, record=record)
    for member in members.values():
        _follow(member, collaboration=collaboration)
        if member not in (writer, musician):
            _follow(member, member=musician)
    _follow(musician, member=writer)


def _follow(follower: Member, **target: Any) -> None:
    if target.get("member") == follower:
        return
    if not Follow.objects.filter(follower=follower, **target).exists():
        feedback.follow_add(follower=follower, **target)


# The production ---------------------------------------------------------------------------------


def _production(
    producer: Member,
    collaboration: Collaboration,
    members: dict[str, Member],
    phones: dict[str, Record],
) -> Production:
    production = Production.objects.filter(title=TITLE, collaboration=collaboration).first()
    if production is None:
        production = productions.production_create(
            owner=producer,
            title=TITLE,
            collaboration=collaboration,
            description=(
                "Seven cities, one walk, cut to Jonas's setting of Amara's poem. Choose the "
                "**Official** cut (4K camera footage), the **Extended** cut (with phone "
                "footage) or the **Community** cut (the footage that made neither)."
            ),
            release_at=timezone.now() - timedelta(hours=1),
        )
    for username, title, days in EXTRAS:
        record = phones[username]
        if not Extra.objects.filter(production=production, record=record).exists():
            productions.extra_add(
                actor=producer,
                production=production,
                record=record,
                title=title,
                release_at=timezone.now() + timedelta(days=days),
            )
    return production


def _cuts(producer: Member, production: Production, song: Record, *, fade: float) -> dict[str, Cut]:
    assert production.collaboration is not None
    cuts = {}
    for name in productions.RULE_PRESETS:
        cut = Cut.objects.filter(production=production, name=name).first()
        if cut is None:
            rule = {
                **productions.rule_preset(name, production.collaboration),
                "bed_version_id": song.current_version_id,
                "bed_volume": 0.9,
                "transition": "crossfade",
                "transition_seconds": fade,
            }
            cut = productions.cut_from_rule(
                actor=producer, production=production, name=name, rule=rule
            )
        cuts[name] = cut
    return cuts


def _render(producer: Member, cut: Cut, name: str, *, stream: Any) -> Render:
    """Render the cut here, in a thread, drawing its progress; a render already queued or
    running elsewhere (a worker of `make run`) is waited for instead."""
    done = Render.objects.filter(cut=cut, state=Render.State.SUCCEEDED).first()
    if done is not None:
        return done
    render = Render.objects.filter(cut=cut, state__in=Render.ACTIVE).first() or render_request(
        actor=producer, cut=cut
    )
    failures: list[BaseException] = []

    def work() -> None:
        try:
            render_run(render_id=render.pk)
        except BaseException as exc:  # reported by the caller below
            failures.append(exc)
        finally:
            close_old_connections()

    thread = Thread(target=work, name=f"render-{render.pk}", daemon=True)
    thread.start()
    with ProgressBar(100, f"Rendering the {name} cut", stream=stream) as bar:
        while True:
            thread.join(timeout=0.3)
            render.refresh_from_db()
            bar.advance(round(render.progress * 100) - bar.done)
            if failures:
                raise failures[0]
            if not thread.is_alive() and render.state not in Render.ACTIVE:
                break
    if render.state != Render.State.SUCCEEDED:
        raise RuntimeError(f"The {name} cut did not render: {render.message}")
    return render


# Revenue ----------------------------------------------------------------------------------------


def _proposal(
    producer: Member, production: Production, cut: Cut, members: dict[str, Member]
) -> Proposal:
    if not Pool.objects.filter(production=production).exists():
        royalties.pool_open(actor=producer, production=production, currency="EUR")
        royalties.pool_budget_add(
            actor=producer,
            production=production,
            amount="5000.00",
            currency="EUR",
            reason="The Ensemble Film Club's budget for the artists of In a City.",
        )
    proposal = Proposal.objects.filter(production=production, cut=cut).first()
    if proposal is None:
        proposal = royalties.proposal_generate(actor=producer, cut=cut)
    if proposal.state == Proposal.State.DRAFT:
        proposal = royalties.proposal_publish(actor=producer, proposal=proposal)
    if not proposal.comments.exists():
        royalties.proposal_comment(
            author=members[MUSICIAN.username],
            proposal=proposal,
            text="Fair to me: the poem came first, and Amara's share shows it.",
        )
    return proposal
