"""The demo newsroom that `make run` loads: a fictional city's news and an editor.

Everything here was written for this project. Port Alden, its people and its
institutions are invented; links point at example.org.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles.models import Article, ArticleEntity, Section, Thread
from articles.services import publish_article
from entities.models import Alias, Entity
from entities.services import suggest_entities
from partners.models import Partner
from partners.services import create_partner
from related.models import RelatedLink
from related.rebuild import rebuild_related

EDITOR_USERNAME = "editor"
DEFAULT_EDITOR_PASSWORD = "newsroom-demo"
SOURCE_KEY_PREFIX = "demo:"


@dataclass(frozen=True)
class DemoSection:
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class DemoEntity:
    name: str
    kind: str
    description: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoStory:
    """One story; `go_live` is relative to loading: past, future (scheduled) or
    None (a draft). `about`, `mentions` and `related` name entities and stories."""

    slug: str
    section: str
    headline: str
    dek: str
    byline: str
    go_live: datetime.timedelta | None
    body: tuple[str, ...]
    about: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    dateline: str = "PORT ALDEN"

    @property
    def html(self) -> str:
        return "".join(self.body)


@dataclass(frozen=True)
class DemoResult:
    stories: int
    entities: int
    sections: int
    created_stories: int
    username: str
    password: str
    password_from_env: bool
    created_editor: bool
    api_key: str = ""


DEMO_PARTNER = "Demo partner"

# Developing stories: (title, description, the slugs of their stories).
THREADS = (
    (
        "Port Alden drought, 2026",
        "Falling reservoirs, leaking pipes and the first hosepipe ban in a decade.",
        (
            "greyfield-reservoir-lowest-level-in-a-decade",
            "water-authority-leaks-scrutiny",
            "hosepipe-ban-confirmed",
            "low-river-lantern-festival-rethink",
            "hosepipe-ban-what-you-can-and-cannot-do",
        ),
    ),
    (
        "Athletic's Riverside stadium",
        "Port Alden Athletic's plan for a new ground on the Eastbank riverside.",
        (
            "athletic-riverside-stadium-plan",
            "stadium-plan-splits-eastbank",
            "okafor-backs-stadium-no-council-money",
        ),
    ),
)


def _ago(days: int, hours: int = 0) -> datetime.timedelta:
    return -datetime.timedelta(days=days, hours=hours)


def _ahead(days: int, hours: int = 0) -> datetime.timedelta:
    return datetime.timedelta(days=days, hours=hours)


SECTIONS = [
    DemoSection(
        "city",
        "City",
        "Streets, services and neighbourhoods: the news from across Port Alden.",
    ),
    DemoSection(
        "politics",
        "Politics",
        "City hall, the council chamber and the people who run the region.",
    ),
    DemoSection(
        "business",
        "Business",
        "Companies, jobs and the high street in Port Alden and Harrowmere.",
    ),
    DemoSection(
        "sport",
        "Sport",
        "Port Alden Athletic and the rest of the region's sport.",
    ),
    DemoSection(
        "culture",
        "Culture",
        "Festivals, music, theatre and the arts along the Vell.",
    ),
]

PERSON = Entity.Kind.PERSON
ORGANIZATION = Entity.Kind.ORGANIZATION
PLACE = Entity.Kind.PLACE
EVENT = Entity.Kind.EVENT

ENTITIES = [
    DemoEntity(
        "Adaeze Okafor",
        PERSON,
        "Mayor of Port Alden, first elected in 2021 at the head of a coalition "
        "on the city council.",
        ("Mayor Okafor",),
    ),
    DemoEntity(
        "Priya Raman",
        PERSON,
        "Opposition councillor for Eastbank and chair of the city council's "
        "scrutiny committee.",
        ("Councillor Raman", "Cllr Raman"),
    ),
    DemoEntity(
        "Tomas Brennan",
        PERSON,
        "Chief executive of the Vell Valley Water Authority since 2019.",
        ("Tom Brennan",),
    ),
    DemoEntity(
        "Marcus Lindqvist",
        PERSON,
        "Head coach of Port Alden Athletic, appointed in 2023 after six seasons "
        "in charge of the club's academy.",
    ),
    DemoEntity(
        "Jonah Adeyemi",
        PERSON,
        "Port Alden Athletic striker and academy graduate, the club's leading "
        "scorer this season.",
    ),
    DemoEntity(
        "Helen Marsh",
        PERSON,
        "Co-founder and chief executive of the software company Kestrel Labs.",
        ("Dr Helen Marsh",),
    ),
    DemoEntity(
        "Ruth Calloway",
        PERSON,
        "Artistic director of the Alden Lantern Festival.",
    ),
    DemoEntity(
        "Samir Haddad",
        PERSON,
        "Baker on Harbour Street for nearly twenty years and chair of the "
        "Harbour Street Traders' Association.",
    ),
    DemoEntity(
        "Port Alden City Council",
        ORGANIZATION,
        "The elected council that runs the city's services, from bins and "
        "libraries to planning and the bus contract.",
        ("Port Alden Council",),
    ),
    DemoEntity(
        "Vell Valley Water Authority",
        ORGANIZATION,
        "The publicly owned utility that supplies drinking water to Port Alden "
        "and the wider Harrowmere region.",
        ("VVWA",),
    ),
    DemoEntity(
        "Port Alden Athletic",
        ORGANIZATION,
        "Professional football club nicknamed the Gulls, playing at the "
        "Quayside Ground since 1921.",
        ("Port Alden Athletic FC", "The Gulls"),
    ),
    DemoEntity(
        "Kestrel Labs",
        ORGANIZATION,
        "Software company founded in Port Alden in 2016, best known for its "
        "route-planning tools for delivery firms.",
        ("Kestrel",),
    ),
    DemoEntity(
        "Harbour Street Traders' Association",
        ORGANIZATION,
        "Group representing about sixty independent shops and cafés on and "
        "around Harbour Street.",
    ),
    DemoEntity(
        "Harrowmere Regional Transit",
        ORGANIZATION,
        "Runs the buses and the river ferry across Port Alden and Harrowmere "
        "under contract to the city council.",
        ("HRT",),
    ),
    DemoEntity(
        "Port Alden",
        PLACE,
        "Harbour city of about 310,000 people at the mouth of the River Vell.",
    ),
    DemoEntity(
        "River Vell",
        PLACE,
        "The river that runs from the Harrowmere hills through Port Alden to the sea.",
        ("The Vell",),
    ),
    DemoEntity(
        "Eastbank",
        PLACE,
        "Riverside neighbourhood east of the city centre, once the heart of "
        "Port Alden's shipyards.",
    ),
    DemoEntity(
        "Harbour Street",
        PLACE,
        "The old high street along the inner harbour, known for its independent shops.",
    ),
    DemoEntity(
        "Greyfield Reservoir",
        PLACE,
        "The main reservoir serving Port Alden, in the hills north of the city.",
        ("Greyfield",),
    ),
    DemoEntity(
        "Quayside Ground",
        PLACE,
        "Port Alden Athletic's 14,000-capacity stadium by the inner harbour.",
        ("The Quayside",),
    ),
    DemoEntity(
        "Harrowmere",
        PLACE,
        "The largely rural region around Port Alden, stretching up the Vell "
        "valley into the hills.",
    ),
    DemoEntity(
        "Alden Lantern Festival",
        EVENT,
        "A week of free concerts, street theatre and workshops each year, "
        "ending in a parade of lanterns along the Vell.",
        ("Lantern Festival",),
    ),
    DemoEntity(
        "Harrowmere Cup",
        EVENT,
        "The region's knockout football competition, first played in 1894.",
    ),
]

STORIES = [
    DemoStory(
        slug="greyfield-reservoir-lowest-level-in-a-decade",
        section="city",
        headline="Greyfield Reservoir falls to its lowest level in a decade",
        dek="The water authority says supplies are safe for now but asks "
        "households to cut back as the dry spell drags on.",
        byline="Nadia Hollis",
        go_live=_ago(20, 6),
        body=(
            "<p>Greyfield Reservoir, which supplies most of Port Alden's drinking "
            "water, has fallen to 61 per cent of capacity, its lowest level for "
            "the time of year in more than a decade, the Vell Valley Water "
            "Authority said.</p>",
            "<p>Rainfall across the Harrowmere hills has been less than half the "
            "usual amount for three months, and flows in the River Vell at the "
            "city gauging station are running well below average.</p>",
            "<p>Tomas Brennan, the authority's chief executive, said there was no "
            "immediate risk to supplies but asked households to take shorter "
            "showers and to leave lawns unwatered.</p>",
            "<blockquote><p>“We are not at the point of restrictions, but we are "
            "closer than I would like. Every litre saved now is a litre we have "
            "later.”</p></blockquote>",
            "<p>The authority publishes reservoir levels every week on its "
            '<a href="https://www.vvwa.example.org/levels">website</a>. It said '
            "it would decide within a fortnight whether a temporary ban on "
            "hosepipes was needed.</p>",
        ),
        about=("Vell Valley Water Authority", "Greyfield Reservoir"),
        mentions=("Tomas Brennan", "River Vell", "Harrowmere", "Port Alden"),
        tags=("water", "drought"),
    ),
    DemoStory(
        slug="water-authority-leaks-scrutiny",
        section="politics",
        headline="Councillors demand answers as water authority admits a fifth "
        "of its supply leaks away",
        dek="Figures given to the council's scrutiny committee show that 22 per "
        "cent of treated water never reaches a tap.",
        byline="Owen Pryce",
        go_live=_ago(13, 14),
        body=(
            "<p>The Vell Valley Water Authority loses more than a fifth of the "
            "water it treats through leaking pipes, according to figures "
            "presented to Port Alden City Council's scrutiny committee.</p>",
            "<p>The committee's chair, Councillor Priya Raman, said it was “hard "
            "to ask residents to save water by the bucket while the authority "
            "loses it by the reservoir-load”.</p>",
            "<h2>Victorian mains</h2>",
            "<p>Tomas Brennan told councillors that much of the network under "
            "the city centre and Eastbank dates from the 1890s. The authority "
            "replaces about 12 kilometres of main a year; at that rate, he "
            "conceded, the oldest pipes would not all be renewed for another "
            "thirty years.</p>",
            "<p>Mayor Adaeze Okafor, whose administration appoints three of the "
            "authority's nine board members, said she had asked for a costed "
            "plan to double the rate of replacement.</p>",
            "<p>The authority is expected to bring its leak-reduction plan to "
            "the full council next month.</p>",
        ),
        about=(
            "Vell Valley Water Authority",
            "Port Alden City Council",
            "Priya Raman",
        ),
        mentions=("Tomas Brennan", "Adaeze Okafor", "Eastbank"),
        tags=("water", "infrastructure", "council"),
        related=("greyfield-reservoir-lowest-level-in-a-decade",),
    ),
    DemoStory(
        slug="hosepipe-ban-confirmed",
        section="city",
        headline="Hosepipe ban confirmed for Port Alden and the Vell valley",
        dek="Restrictions start in ten days and will stay until Greyfield "
        "Reservoir recovers, the water authority says.",
        byline="Nadia Hollis",
        go_live=_ago(4, 9),
        body=(
            "<p>A temporary ban on using hosepipes to water gardens, wash cars "
            "or fill paddling pools will come into force across Port Alden and "
            "Harrowmere in ten days' time, the Vell Valley Water Authority "
            "announced.</p>",
            "<p>Greyfield Reservoir has dropped to 54 per cent since the "
            "authority first warned of falling levels three weeks ago, and "
            "forecasters expect little rain before the end of the month.</p>",
            "<p>Breaking the ban could in principle lead to a fine of up to "
            "£1,000, though the authority said it expected to rely on "
            "“neighbourliness rather than enforcement”. Businesses that depend "
            "on water, such as car washes and garden centres, can apply for "
            "exemptions.</p>",
            "<blockquote><p>“This is not a decision we take lightly. It is the "
            "responsible thing to do now, so that we are not facing something "
            "much harder later.”</p></blockquote>",
            "<p>Councillor Priya Raman said the ban was “the bill for years of "
            "neglected pipes” and repeated her call for an independent review "
            "of the authority's finances.</p>",
        ),
        about=("Vell Valley Water Authority", "Greyfield Reservoir"),
        mentions=("Tomas Brennan", "Priya Raman", "Port Alden", "Harrowmere"),
        tags=("water", "drought"),
        related=(
            "greyfield-reservoir-lowest-level-in-a-decade",
            "water-authority-leaks-scrutiny",
        ),
    ),
    DemoStory(
        slug="athletic-riverside-stadium-plan",
        section="sport",
        headline="Port Alden Athletic unveil plans for a 22,000-seat riverside stadium",
        dek="The club wants to leave the Quayside Ground after a century and "
        "build on former shipyard land in Eastbank.",
        byline="Felix Ardern",
        go_live=_ago(18, 19),
        body=(
            "<p>Port Alden Athletic have unveiled plans to leave the Quayside "
            "Ground, their home since 1921, for a 22,000-seat stadium on disused "
            "shipyard land beside the River Vell in Eastbank.</p>",
            "<p>The club says the Quayside, with its 14,000 capacity and cramped "
            "terraces, limits both crowds and income. The new ground would "
            "include a community sports hall, a public riverside walk and a "
            "ferry stop.</p>",
            "<p>Head coach Marcus Lindqvist said the squad had been shown the "
            "designs before the announcement.</p>",
            "<blockquote><p>“The Quayside is full of memories, but you cannot "
            "eat memories. This club needs a home that can grow with it.”</p>"
            "</blockquote>",
            "<p>The proposals go out to public consultation next month. Drawings "
            "and a feedback form are on the "
            '<a href="https://www.portaldenathletic.example.org/new-ground">'
            "club's website</a>.</p>",
        ),
        about=("Port Alden Athletic", "Quayside Ground", "Eastbank"),
        mentions=("Marcus Lindqvist", "River Vell"),
        tags=("football", "stadium", "planning"),
    ),
    DemoStory(
        slug="stadium-plan-splits-eastbank",
        section="city",
        headline="Athletic's stadium plan splits Eastbank",
        dek="Some residents see jobs and a new riverside; others fear match-day "
        "traffic and rising rents.",
        byline="Imogen Kerr",
        go_live=_ago(10, 11),
        body=(
            "<p>More than 300 people packed into Eastbank Community Hall for the "
            "first public meeting on Port Alden Athletic's proposed riverside "
            "stadium, and the room was divided almost down the middle.</p>",
            "<p>Supporters pointed to the promise of construction jobs and a "
            "public walkway along a stretch of the River Vell that has been "
            "fenced off since the shipyards closed. “My grandad built ships on "
            "that site,” said one resident. “I would rather see it full of "
            "people than full of weeds.”</p>",
            "<p>Others worried about parking, noise and what a stadium would do "
            "to rents in a neighbourhood where many families already "
            "struggle.</p>",
            "<h2>Councillor calls for guarantees</h2>",
            "<p>Priya Raman, who represents Eastbank on the city council, said "
            "she was not against the stadium but wanted binding commitments on "
            "affordable housing and match-day transport before it went any "
            "further.</p>",
            "<p>Harrowmere Regional Transit said it was studying whether extra "
            "ferry sailings could carry fans from the city centre.</p>",
        ),
        about=("Eastbank", "Port Alden Athletic"),
        mentions=("Priya Raman", "River Vell", "Harrowmere Regional Transit"),
        tags=("stadium", "planning", "housing"),
        related=("athletic-riverside-stadium-plan",),
    ),
    DemoStory(
        slug="okafor-backs-stadium-no-council-money",
        section="politics",
        headline="Okafor backs stadium bid but rules out council money",
        dek="The mayor says the riverside plan is good for the city, as long "
        "as the club pays for it.",
        byline="Owen Pryce",
        go_live=_ago(6, 16),
        body=(
            "<p>Mayor Adaeze Okafor has given her support to Port Alden "
            "Athletic's plan for a riverside stadium, but said the city would "
            "not put “a single penny” of council money into building it.</p>",
            "<p>Speaking at her monthly press conference, the mayor said the "
            "project could bring life back to derelict land in Eastbank, and "
            "that the council would help by speeding up the planning process "
            "and transport studies.</p>",
            "<blockquote><p>“I want Athletic to stay in Port Alden and to "
            "thrive here. But public money belongs in schools, buses and water "
            "pipes, not in a football ground.”</p></blockquote>",
            "<p>The club has said the stadium would be paid for by private "
            "investment and by selling the Quayside Ground for housing. "
            "Opposition councillors want the sale agreement published before "
            "any planning decision is made.</p>",
        ),
        about=("Adaeze Okafor", "Port Alden Athletic"),
        mentions=("Port Alden City Council", "Eastbank", "Quayside Ground"),
        tags=("stadium", "council", "planning"),
        related=(
            "athletic-riverside-stadium-plan",
            "stadium-plan-splits-eastbank",
        ),
    ),
    DemoStory(
        slug="adeyemi-double-harrowmere-cup-final",
        section="sport",
        headline="Adeyemi double sends Athletic into the Harrowmere Cup final",
        dek="Two goals in the last twenty minutes turned the semi-final around "
        "in front of a sell-out Quayside crowd.",
        byline="Felix Ardern",
        go_live=_ago(2, 21),
        body=(
            "<p>Jonah Adeyemi scored twice in the last twenty minutes as Port "
            "Alden Athletic came from behind to beat Millbrook Rovers 2–1 and "
            "reach the final of the Harrowmere Cup.</p>",
            "<p>Rovers led through a first-half header and defended deep after "
            "the break, until Adeyemi turned on the edge of the area and curled "
            "a shot into the far corner. Six minutes from time he met a low "
            "cross from the left to send the Quayside Ground into uproar.</p>",
            "<p>Marcus Lindqvist praised his striker's patience. “He touched the "
            "ball maybe ten times in the first hour,” the head coach said. "
            "“Good forwards wait. Great ones make the tenth touch count.”</p>",
            "<p>It is Athletic's first final in the competition for eleven "
            "years. With the stadium debate still running in the city, "
            "supporters had a message for the boardroom too: a banner in the "
            "home end read “Wherever we play, we sing”.</p>",
        ),
        about=("Jonah Adeyemi", "Port Alden Athletic", "Harrowmere Cup"),
        mentions=("Marcus Lindqvist", "Quayside Ground"),
        tags=("football",),
        related=("athletic-riverside-stadium-plan",),
    ),
    DemoStory(
        slug="kestrel-labs-harbour-street-headquarters",
        section="business",
        headline="Kestrel Labs to open harbourside headquarters with 200 new jobs",
        dek="The software company will move into a converted grain warehouse "
        "on Harbour Street next year.",
        byline="Grace Mbeki",
        go_live=_ago(16, 8),
        body=(
            "<p>Kestrel Labs, the Port Alden software company whose "
            "route-planning tools are used by delivery firms across the "
            "country, is to move its headquarters into a converted grain "
            "warehouse on Harbour Street and create 200 jobs over three "
            "years.</p>",
            "<p>The company, founded in a spare bedroom in 2016, now employs "
            "about 350 people, most of them in rented offices on the city's "
            "ring road.</p>",
            "<p>Chief executive Helen Marsh said the move was about staying "
            "close to where the company began.</p>",
            "<blockquote><p>“We could have gone to a business park anywhere. We "
            "wanted people to walk out of the office and buy their lunch from "
            "someone who knows their name.”</p></blockquote>",
            "<p>Most of the new roles will be in engineering and customer "
            "support, and the company said it would offer 30 paid "
            "apprenticeships a year with Port Alden College.</p>",
        ),
        about=("Kestrel Labs", "Harbour Street"),
        mentions=("Helen Marsh", "Port Alden"),
        tags=("technology", "jobs"),
    ),
    DemoStory(
        slug="harbour-street-traders-fear-rent-rises",
        section="business",
        headline="Harbour Street traders fear rent rises as tech firm moves in",
        dek="Shopkeepers welcome Kestrel Labs' staff as customers but worry "
        "that landlords will follow the money.",
        byline="Grace Mbeki",
        go_live=_ago(9, 13),
        body=(
            "<p>Independent traders on Harbour Street say they are already "
            "hearing from landlords about higher rents, barely a week after "
            "Kestrel Labs announced it would bring hundreds of staff to the old "
            "harbour.</p>",
            "<p>Samir Haddad, who has run a bakery on the street for nineteen "
            "years and chairs the Harbour Street Traders' Association, said two "
            "members had been told to expect increases of a quarter or more "
            "when their leases come up.</p>",
            "<blockquote><p>“Kestrel's people will want coffee and bread, and we "
            "want to sell it to them. We just need to still be here when they "
            "arrive.”</p></blockquote>",
            "<h2>Calls for a rent charter</h2>",
            "<p>The association wants the city council to broker a voluntary "
            "charter limiting rent rises for small shops. Helen Marsh, Kestrel's "
            "chief executive, said the company would support the idea and would "
            "buy from local suppliers wherever it could.</p>",
            "<p>The council said it would meet traders and landlords in the "
            "coming weeks.</p>",
        ),
        about=(
            "Harbour Street Traders' Association",
            "Harbour Street",
            "Samir Haddad",
        ),
        mentions=("Kestrel Labs", "Helen Marsh", "Port Alden City Council"),
        tags=("retail", "technology"),
        related=("kestrel-labs-harbour-street-headquarters",),
    ),
    DemoStory(
        slug="council-budget-fares-frozen-library-hours-cut",
        section="politics",
        headline="Council budget freezes bus fares but cuts library hours",
        dek="Mayor Okafor's spending plan passed by three votes after a debate "
        "that ran past midnight.",
        byline="Owen Pryce",
        go_live=_ago(11, 10),
        body=(
            "<p>Bus and ferry fares in Port Alden will be frozen for another "
            "year under a budget approved by the city council after a debate "
            "that ran past midnight.</p>",
            "<p>The plan, put forward by Mayor Adaeze Okafor, passed by 31 votes "
            "to 28. To pay for the freeze, which the council funds through its "
            "contract with Harrowmere Regional Transit, seven of the city's "
            "twelve branch libraries will close on Mondays.</p>",
            "<p>The mayor called cheap public transport “the single best thing "
            "we can do for household budgets and for the air we breathe”.</p>",
            "<p>Opposition councillors, led in the debate by Priya Raman, "
            "proposed keeping the libraries open by drawing on reserves. Their "
            "amendment failed by four votes. “Children who need a quiet place "
            "to do their homework don't stop needing it on Mondays,” Councillor "
            "Raman said.</p>",
            "<p>The budget papers are published in full on the "
            '<a href="https://www.portalden.example.org/budget">council\'s '
            "website</a>.</p>",
        ),
        about=("Port Alden City Council", "Adaeze Okafor"),
        mentions=("Priya Raman", "Harrowmere Regional Transit"),
        tags=("budget", "transport", "libraries"),
    ),
    DemoStory(
        slug="lantern-festival-floating-parade",
        section="culture",
        headline="Lantern Festival plans a floating parade on the Vell",
        dek="For the first time, the closing night will take the lanterns off "
        "the streets and onto the river.",
        byline="Lena Sato",
        go_live=_ago(8, 17),
        body=(
            "<p>The Alden Lantern Festival will end this year with a parade of "
            "illuminated boats on the River Vell, replacing the street "
            "procession that has closed the festival since it began in "
            "1987.</p>",
            "<p>Artistic director Ruth Calloway said the idea came from "
            "schoolchildren who took part in last year's lantern-making "
            "workshops. About forty boats, from rowing skiffs to a restored "
            "harbour tug, will carry lanterns made by community groups from "
            "Harbour Street down to the Eastbank quays.</p>",
            "<blockquote><p>“The Vell made this city. It felt right to give the "
            "river the last word.”</p></blockquote>",
            "<p>The festival's week of concerts, street theatre and workshops is "
            "free. Volunteers can sign up on the "
            '<a href="https://www.lanternfestival.example.org/volunteer">'
            "festival website</a>.</p>",
        ),
        about=("Alden Lantern Festival", "River Vell"),
        mentions=("Ruth Calloway", "Harbour Street", "Eastbank"),
        tags=("festivals", "arts"),
    ),
    DemoStory(
        slug="low-river-lantern-festival-rethink",
        section="culture",
        headline="Low river forces Lantern Festival rethink",
        dek="Organisers draw up a back-up route for the floating parade as the "
        "dry spell leaves the Vell shallower than usual.",
        byline="Lena Sato",
        go_live=_ago(3, 12),
        body=(
            "<p>Organisers of the Alden Lantern Festival are preparing a back-up "
            "plan for its first floating parade after the long dry spell left "
            "stretches of the River Vell too shallow for some of the larger "
            "boats.</p>",
            "<p>Ruth Calloway, the festival's artistic director, said the "
            "restored harbour tug that was due to lead the parade might have to "
            "stay in the deeper water below Harbour Street.</p>",
            "<p>The Vell Valley Water Authority, which controls releases from "
            "Greyfield Reservoir into the river, said it could not raise flows "
            "for the event with a hosepipe ban about to begin. “We would love to "
            "help, but every drop has to go to taps first,” a spokesperson "
            "said.</p>",
            "<h2>Lanterns on the quays</h2>",
            "<p>If the river stays low, the smaller boats will still sail and "
            "the remaining lanterns will be carried along the quayside, which "
            "Calloway said would “bring the parade back to the people on the "
            "bank”.</p>",
        ),
        about=("Alden Lantern Festival",),
        mentions=(
            "Ruth Calloway",
            "River Vell",
            "Vell Valley Water Authority",
            "Greyfield Reservoir",
            "Harbour Street",
        ),
        tags=("festivals", "drought", "water"),
        related=("lantern-festival-floating-parade", "hosepipe-ban-confirmed"),
    ),
    DemoStory(
        slug="athletic-talks-goalkeeper-before-final",
        section="sport",
        headline="Athletic in talks to sign a goalkeeper before the cup final",
        dek="Marcus Lindqvist wants cover in goal after a training-ground injury "
        "to his captain.",
        byline="Felix Ardern",
        go_live=None,
        body=(
            "<p>Port Alden Athletic are in advanced talks to sign a goalkeeper "
            "on a short-term deal before the Harrowmere Cup final, the club "
            "confirmed.</p>",
            "<p>Head coach Marcus Lindqvist has only one fit senior keeper after "
            "a shoulder injury in training ruled the club captain out for at "
            "least six weeks.</p>",
            "<p>[Check the player's name with the club before publishing.]</p>",
        ),
        about=("Port Alden Athletic",),
        mentions=("Marcus Lindqvist", "Harrowmere Cup"),
        tags=("football",),
        related=("adeyemi-double-harrowmere-cup-final",),
    ),
    DemoStory(
        slug="hosepipe-ban-what-you-can-and-cannot-do",
        section="city",
        headline="Hosepipe ban: what you can and cannot do",
        dek="Watering cans yes, sprinklers no: a guide to the restrictions that "
        "start next week.",
        byline="Nadia Hollis",
        go_live=_ahead(1, 2),
        body=(
            "<p>The hosepipe ban announced by the Vell Valley Water Authority "
            "covers every home in Port Alden and Harrowmere. Here is what it "
            "means in practice.</p>",
            "<h2>What is still allowed</h2>",
            "<ul><li>Watering plants with a watering can, or with water from a "
            "water butt.</li><li>Washing a car with a bucket and sponge.</li>"
            "<li>Using a hosepipe for health or safety, such as cleaning up "
            "after an accident.</li></ul>",
            "<h2>What is banned</h2>",
            "<ul><li>Watering gardens or allotments with a hosepipe or "
            "sprinkler.</li><li>Filling paddling pools, ponds or hot tubs with "
            "a hosepipe.</li><li>Cleaning patios, walls or windows with a "
            "hosepipe or pressure washer.</li></ul>",
            "<p>Disabled people and others who rely on a hosepipe can register "
            "for an exemption. The full rules are on the "
            '<a href="https://www.vvwa.example.org/ban">authority\'s '
            "website</a>.</p>",
        ),
        about=("Vell Valley Water Authority",),
        mentions=("Port Alden", "Harrowmere", "Greyfield Reservoir"),
        tags=("water", "drought"),
        related=(
            "hosepipe-ban-confirmed",
            "greyfield-reservoir-lowest-level-in-a-decade",
        ),
    ),
]


@transaction.atomic
def load_demo(*, stdout: TextIO | None = None) -> DemoResult:
    """Create the demo sections, entities, stories and editor account.

    Safe to run again and again: only what is missing is created, and a story
    that is already there is left as editors have changed it. The editor's
    password (DEMO_EDITOR_PASSWORD, or the demo default) is set only when the
    account is created.
    """
    now = timezone.now()
    sections = {
        demo.slug: Section.objects.get_or_create(
            slug=demo.slug,
            defaults={
                "name": demo.name,
                "description": demo.description,
                "position": position,
            },
        )[0]
        for position, demo in enumerate(SECTIONS)
    }
    entities = {demo.name: _load_entity(demo) for demo in ENTITIES}

    articles, created = {}, []
    for demo in STORIES:
        article, is_new = Article.objects.get_or_create(
            source_key=SOURCE_KEY_PREFIX + demo.slug,
            defaults={
                "slug": demo.slug,
                "headline": demo.headline,
                "dek": demo.dek,
                "body": demo.html,
                "byline": demo.byline,
                "dateline": demo.dateline,
                "section": sections[demo.section],
            },
        )
        articles[demo.slug] = article
        if is_new:
            _fill_story(article, demo, entities=entities, now=now)
            created.append(demo)
            if stdout is not None:
                stdout.write(f"  + {_state(article)}: {article}\n")

    for demo in created:
        RelatedLink.objects.bulk_create(
            RelatedLink(
                article=articles[demo.slug],
                target=articles[target],
                sort_order=sort_order,
            )
            for sort_order, target in enumerate(demo.related)
        )

    for title, description, slugs in THREADS:
        thread, _ = Thread.objects.get_or_create(
            title=title, defaults={"description": description}
        )
        Article.objects.filter(
            pk__in=[articles[slug].pk for slug in slugs], thread__isnull=True
        ).update(thread=thread)

    if created:
        # Show editors the matcher's suggestions, and readers related stories,
        # without waiting for the task worker.
        for demo in created:
            suggest_entities(article=articles[demo.slug])
        rebuild_related()

    env_password = os.environ.get("DEMO_EDITOR_PASSWORD", "")
    password = env_password or DEFAULT_EDITOR_PASSWORD
    editor, created_editor = get_user_model().objects.get_or_create(
        username=EDITOR_USERNAME,
        defaults={"is_staff": True, "is_superuser": True},
    )
    if created_editor:
        editor.set_password(password)
        editor.save(update_fields=["password"])

    # A partner key for trying the API; like every key it is shown only once.
    api_key = ""
    if not Partner.objects.filter(name=DEMO_PARTNER).exists():
        _, api_key = create_partner(name=DEMO_PARTNER, contact="demo@example.org")

    return DemoResult(
        api_key=api_key,
        stories=len(STORIES),
        entities=len(ENTITIES),
        sections=len(SECTIONS),
        created_stories=len(created),
        username=EDITOR_USERNAME,
        password=password,
        password_from_env=bool(env_password),
        created_editor=created_editor,
    )


def _load_entity(demo: DemoEntity) -> Entity:
    entity, created = Entity.objects.get_or_create(
        kind=demo.kind, name=demo.name, defaults={"description": demo.description}
    )
    if created:
        for alias in demo.aliases:
            # An alias another entity of the same kind already uses stays there.
            Alias.objects.get_or_create(
                kind=entity.kind, name=alias, defaults={"entity": entity}
            )
    return entity


def _fill_story(
    article: Article,
    demo: DemoStory,
    *,
    entities: dict[str, Entity],
    now: datetime.datetime,
) -> None:
    article.tags.add(*demo.tags)
    ArticleEntity.objects.bulk_create(
        [
            ArticleEntity(content_object=article, tag=entities[name], relevance=rel)
            for names, rel in (
                (demo.about, ArticleEntity.Relevance.ABOUT),
                (demo.mentions, ArticleEntity.Relevance.MENTIONS),
            )
            for name in names
        ]
    )
    if demo.go_live is not None:
        publish_article(article=article, at=now + demo.go_live)


def _state(article: Article) -> str:
    if article.is_scheduled:
        return "scheduled"
    return article.get_status_display().lower()
