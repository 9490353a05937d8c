"""English words that look like words of the domain or of property names ("model" / "motel",
"fixed" / "mixed", "hostel" / "hotel").

A typo is corrected, and a word is fuzzily read as part of a property name, only when it is not a
word in its own right: "Model a 200 bp rate increase" is not about motels. Generated once from the
GCIDE and Webster's Second word lists (the ``english-words`` package, words found in both) as the
words within one edit (two for long words) of the planner's vocabulary and the sample portfolio's
name words; regenerate it when the vocabulary grows.
"""

from __future__ import annotations

ENGLISH_LOOKALIKES = frozenset(
    """
    aback abaction abase abduction abide ablative able abnegative abnormally aboard abode
    abortion accredit acierage acme acuation addend adder addlings adduction adit adjuster
    admeasure admission adown adust adustion advolution aero aeroscope aery affective aflow
    afoot again agate aggerate aggravate aggregately aggregative aggregator agraphia agraphic
    aider ailing alabaman alabamian alack alaskan aldern alehouse alight aline alive aller alley
    allocation allthing ally alose alow alpen altar altern amain amide amine amiss amove
    amperage ample anabasis analepsis analyser analytic analytics ancestor anear anele angel
    angelet angelize angelus angle angles angolese animally annal anneal annually annul
    anomalously anormal ansa antennal aoristic apace apar aperient apert apex aport apply
    apportion apposition appositive appraisable appraise appraiser appressed appropre approval
    approver aquatile arca ardor aread areal arear areca arena areolate areolated argental aria
    arise arithmetical arizonan arizonian arkansan armor arna arose arow arpen ascendant
    ascendent ashen asomatous asper aspiration assay asse assent assenting assert assets
    assignat assignee assigner assignor associational associative associator assorted aster
    asternal atlantal atlantean atlantes atlantic atrip atter atypical austrian avenage aver
    averment aviation avocation avolation aweather azide babe backside bacon bade bail bain bake
    bakehouse balanced balancer balanite balder bale balk ball bally balter bane bank banking
    bankside banxring bard bardling bare barger barghest bark baroscope barse baseboard based
    baseness bash bask bass basset bast baste baston batch bate bath bating batter beach beached
    bead beading beagling beak beal beam beaming bean bear beard bearing beast beatable beater
    beath beau beaut beavered beck becoming bedside beer beet begetter begrease beholding belate
    belated bell bellow belt belting bename bend bendable bender bent bequeath berattle berthing
    beset besetter besides besit besot bestride beta betide bettor bevel beverage biannual bide
    bield biggen bight bike bilimbing bill bilocation bimonthly bind bine bink biquintile
    biscotin bisector bisegment bistoury bite bitter black blase blast blasting blat bleach
    bleached bleacher bleaching blear bleat bleating blende blender blending bless blesser blest
    blight blimbing blinded blinding blip blot blow blower blunge boar boarding boasting boat
    boating bogwood boke bolection bone boneache boniness boob booky boom boon boor boot bord
    border bordered borderer bore bort bosk boskiness boss bother bottomed bottomry bouk bourd
    bower boyard brach brack braiding brain braise branched branching brank brat braunite
    brawling breachy breaking breasted breasting breath breathe breathed breather breathing
    breech breeched breeches breeching breeding brent brew brickfield bridge brimming brisk
    brisling broach broacher broiling brooding brook broom brose brow browning browsing
    brushiness buck bugger bugginess build bulkiness bull bullying bumble bump bunder bunny
    burliness bushiness bushless bust busyness butter cable cack cade cage cake calender calf
    californian call calla calling camel camelina cameo camerate camp camphire camus cancelli
    cancer candlewood cane canter cany caparison cape capel caper capitally capitate capitol
    capper capriped caproate caprylate carcel care caressing carex cark carolin caroline
    caroling carolinian carousing carpus carrying carse cart carter cased cask cass cast caste
    castrate catalysis catch cate catenary cater cause cave cavicornia caviling cease cedarn
    celebrate celerity cell cello cementer censer cent cental centered centiare centner cerate
    cere cero cess cesser cest chance chancel changer chank chant char chara chard chare charge
    chariotee chark charm charr chary chase chat chert childing chill chilly chimango chin
    chipping chock chomp chopping choral chore cincture cinter cist citation cite citronwood
    clack clart clash clasp classy cleading clean cleaning clearwing cleat cleave cliental
    cliented climber clime clip clipped clipping cloaking clomb close closet clot clover
    clovered clump coaction coadjust coal coast coat code codify coestate coke colation cole
    collared collection colombin coloradan colorate colp colt columba columbae columbiad
    columbian columbic columbier columbin columbine columbite columbium coma comb combatable
    combine combinedly combiner combing combless comedian comer comes comet commence
    commercially committal committer commodity commonty communion communism communist compacted
    compages companion comparate comparer compart compassable compassion compatible compesce
    compiler complete complexly complexus compliable complier compo composed compressive
    compressor comprise computable conation conception concoction conduction cone confection
    confined congelation congestion congress connation connective connector connexion
    consecution constrict constriction construct construction contact contection contention
    contraception contracted contractile contractive contractor contradict contradiction
    contralto contraption contrary contrast contrate contributional contributive contributor
    contrite contrition convection convention converge conviction cooing cook cookbook coom coop
    cooperage coot copal copartner cope coping copped copsewood copulation cora corah cord corer
    corf cork corm corn cornered corol corollate corollated corral correction correctly
    corrector correlative correption corrivate corrivation corrugate corrugated corrugation
    corse cosecant cosh coss costa cosy cote cotenant counteract counteraction county coup
    coursing court couth cove covenantee covenanter covenantor covercle coverside covert covet
    covey coving cower cozenage craber cracking cradling crank cranked crash crass crate craver
    crayer crease creasing creat creatable creative creature creditor cremate crenate crenated
    crescent cresting crete crew cribbing crofting crookback crooning crop crore cross croup
    crow crowing crushing crypt cull cumber cumulate cumulation cure currant currency currently
    cyme cyst dail dale dalea dalles dally dama dame dank dapple dark dartboard dash date dater
    dawn deacon dead deadwood deaf dean dear deave debating debile debit debut decagram decease
    deceased decent decide decil decimation deckle declared declinal declinate decliner
    decomplex decompress decompression decumbent decurrent dedication dedition deduce deduction
    deer defaulter defection defective defiance defile deflation deflected deflection deflective
    deft degrease dejected dejection delate delation delawarean delegate deletion deletive
    delftware deligation delighted deliration dell delver demented demission deniable denier
    denization denotable dent dental dentation department depiction depicture depilation deplete
    depopulation deport deposition depressed derivation descendant descendent descendingly
    deserted desition desk dess destroyer detail detection deteriority determinate detruncate
    deviator devolution devotion dhole diagraph dial dialysis digger dight digram digraphic dike
    dilative dilection dill dime dimetric dimission dimple dine dingo dink dipper dire disc disk
    dissociation distinct distract distraint distrait distress distributional distributive
    distributor distrust dite divestment divination docile docility dock documental doddered
    dome donation done doom door dorn dorp dose doss dotal dotation dove dower dowl downy
    drafting drain drank drawling dree dressing drew drinkable drinking drip dripping droop
    dropper droppingly dropsied dropt dross drove drow drown dual duck dull dump dumpling dunder
    dunny duskiness duskness dustiness dwale eaglewood earring ease easiness east eater eating
    ecostate edict education educe eduction effectible effectively egestion egoistic eight
    ejection elate elative elder eldership elective electron elevation elide elocution elohistic
    emery emiction emission emit emulation encumber ender enlarger enow enstate ental enter
    entice entirely entirety epode epulation epuration equality erased eraser erectable erection
    erective ereption erose erse estimate estivate etch ether etypical eulogistic evacuant
    evacuation evaluation evection ever evert eviction evidential eviration evitation evocation
    evolutional ewer ewery exaction exaration exceeder exceedingly exceptant exception exceptive
    exceptor excerpt exchange excitation exciting excitive excurrent excuss execration
    execrative execution executively exertion exertive exit exode expander expanse expective
    expel expend expenditor expensive expiation expilation expiscation explication exploration
    exportation exposition expositive expurgation extense exterminate external extirpation
    extremely eyestone fable faction fain fainting fair fairing fairyland fake falcation
    falchion falconer falconet falconry falter falx fame farl farmhouse fash fashioned fashioner
    fast fatality fate fatling faulting faustian feague feal fear feast feat feather feathery
    feck feed feel felly felstone felt felter feminate fend fender fess fest fetation fetter
    fidge field fight figulate figurate figured figurine fike file filer filing fill filler
    filling filmy fils finance financial financier find fine fire firecrest firehouse fireplace
    firetail firm fission fist fitter fixed fixure flail flake flashboard flat flatling flattery
    flatus flaw flax flea flection fled flee fleet fleeting flet flew flighted flighter flighty
    flip flix floatage floe flog flogging floodage floorage flop florid florideae floridian
    floridly floss flotage flotation flower flowered flowerer floweret flown fluoride flux foil
    foiling folder folding font fontange food fool footballer footband footfall foothalt
    foothill footpace foots footstall footy forage force fore forecaster forecastle foregone
    foremast foremost forename forepart forepast foretaste forged forger forget forgo fork form
    formal format forme fort forte forth fostress fother fount fractional fractious fragility
    frail fraise franciscan frank franking frapping frater fred freer freestone fret frication
    friction fright frim frisk frisking frisky frist froe frog frontage frosting frow fruition
    fuel fulling fully fumble fumily function funny furcation furl fussiness fustiness fusure
    futility gabioned gable gablet gadding gade gage gaia gainer gainst gait gaited gale gall
    galley galling gally galt gamin gamp gamy gane gange gape gare gash gassing gast gatch gated
    gatehouse gave gawn gaze geal gean gear geat geck geet gein geminate gender gent georgian
    georgic germinate gest gestation gettable getter ghat gill gist gith glass gleaning glide
    gloss glove glow glower glowing glump gone gong goral gore gorge gorse gote gove gown
    gracility grade grafting grain grained graining grame granate grange granitic grantable
    granulate granulation granulite grape graphical graphics graphite graphitic graphy grapy
    grass grate grater grating grave grayling greaser greaten greatness gree greenstone greeter
    greeting grey grieving grin grinding gritstone grog groom groove grooving grope gros grosz
    grot grouping grout grovel grovy growl grown guilt gull gump gunny gurge gustation gyroscope
    gyte haaf hability hack hade hafter hail hain haje hake halation hale hall halo haloscope
    hals halt halter halve hame hamulate hank hansa harbor hare hark hart hash hatch hate hater
    hath haven havenage haver hawaiian hawthorn haze headland headlong heal health healthily
    healthiness healthless hear heat heather heathery heathy heating heave heck hectogram hector
    heer heighten helio hell helly helmeted hent heppen heritable heritance hermitage hero
    hesitate hest hewer hexa hick hiddenly hide hierogram highlander highlandry highmost
    highness hight hilding hilly hilt hilus hind hinderest hipe hipped hire hired hiss hist
    historial historian historic historically historify hither hive hoard hoarding hock holder
    hole holing hollo home homeborn homeward homeworker hone honewort honey hong hoofprint hook
    hoot horal hornbook hornwork horoscoper horoscopy horse horsewood hose hospitalism
    hospitalize host hostel hounding houseling housetop housework houstonia hove hovel hover
    howel huke hull humble hump humped huskiness hydroscope hygroscope hyke hyperthetical
    hypothetic hysterical ideal ignote ilex illative imager imago immission immunity impart
    impartment implunge importer imposition impost impression inaction inbreaking incelebrity
    incenter inceptor incest incomer incoming incomparable incomplex incorrect increaser
    increasingly increate incremate increpate incumber incurrent indebtment indentment indesert
    indiaman indian indianan indicant induction indusial industrially ineffective inefficient
    inequity inert inexactly infective infernal infest infester infilter infraction infusorial
    ingest ingrowth inherent inhospitality injector inland inleague insect inserted insessor
    inset insufficience insufficiency insufficiently integral intemperature interact interaxal
    intercept interested interhyal interject interlay interment interminate intermit internally
    internasal internodal interpeal interpel interrenal intersect interset intertalk interval
    intervale intervert invent inventer inventor inventory invert involution iota irade irate
    ironweed ironwork ironwort irrelate irrelation irrelative islander islandy jack jactancy
    jail jain jakes jarring jean jeer jell jess jest jetter jewstone jigger jill jimp jink
    jobation joker joss jove juke jumble jumper jumpy justness kail kale kame kansan kate keck
    kell kelpware kerbstone kersey kevel khan kick kike kill kilter king kink kino kipe kiss
    kist kite kith knit know laager lability labor lace lack lactation lade lager lagger lain
    laker laky lallation lame lander lane lank lant larder large largess lark larker lash lask
    lass lata latch late latent later lath latterly laureled lavation lave lavender laxation
    laze leach leaded leader leafed leaguer leak leal leam lean lear learning leaser leash leat
    leather leathern leathery leaved leaven leaver leaves leavy lection lector ledgment leer
    lees leet legatine legation legion lend lendable lene lens lent lepered lessee lessen
    lessener lessor lest lester letter lettered levee lever leveret levigation levirate
    leviration levitation libation liber lice lick lien life lift ligation ligger ligulate
    ligure liken liking lill lilt limation limb limbed lime lined linen liner ling link linne
    lint lipped lisp liss lite lith littery live lively livered liveried livor load loaf loam
    lobe locative lock locution lode lodgings loess loft lofty loge logging logistical logwood
    loin loke lone long longing loof loom loon loop loose loot lope loper loral loran lordling
    lore lorication lorn losel loser lost lote louisianian louk louse lousiness louvered love
    lover loving lowan lowbred lowery lown luctation luke lull lumber lump lumping lunation lune
    lunge lunged lust lustiness lutation luxation mack madding mage magh magnesia maia maid maim
    mains maize make mala male mallow malm malt mand mane mange mangy manly mano manus manx mara
    marc mare margarin marginal margined marine marked marker marketer marl marlin marrow mars
    mart martin mary mash mask mass masse mast match mate mater maternal matin matric matt maty
    maul mawk mazy mead meak meal meant mease measured measurer meat media medial mediant
    mediation medicean medico meed meek melanure mell melt meltable melting mend mendable mender
    ment mental mercantile mere meridian merk mero meso mess mete meteoric meterage metic
    metrical metropolite mias mick midden midge might mike mild mile milk milt milter mime mimus
    mince mind mine minimus minium mink minnesotan minos mintage miny mire mirk mise missel
    misset missioner mississippian missourian missy mist mistress mistrist misuse mite mity
    mixen mixer moan moat mode model modulation moil moire moist moke molder molding mole
    molecast moll molt mome mone moner monistic monition monitive monkey mont montanic montant
    monte monument moor moorball moosewood moot mope mora moral moration morel mores moric morn
    morne moro morse mort mortgagee mortgagor morulation mosey moss moste mote moted motet moth
    mother mount mountant mousing mouth mover mower mown mucic muck mufti mulch mull mult
    multiflue multiped multiplane multiplex multiplier multiply mumble mump munch mure murk
    musci mush muskiness muss must mustiness mutation mutch mutic myth nail nake name nanking
    nark nash natation natch nave neal neap nearness neat neatherd nebraskan neck neer negation
    negatively neglection ness nest nevadan never newel newt nick nide nidulate nidulation
    nigger nigh night nine nipping nolition nome none nook norma norse nose nosing notal
    notation nother novation null numberer nummary nutation oaky oast oath obcompressed
    obduction obit obtruncate obviation occupant occupier occurrent ocher ochreate ocreate
    ocreated officer often ofter olden oleander olid oligistic olio omer omission oncoming open
    operatic operation operative oppilation opposition oppositive oppressed oppression optation
    oral orange orangite orderer oriental ormer otoscope otter ouch outcrier outher outlie
    outlinear outliver outride outrider outshine outsider outslide outstride ovary oven overalls
    overdrive overfall overfill overfull overhaul overmost overmount overprize overrate override
    overripe oversell overt overtalk overveil overwalk overwell overwise ovulation oyer ozone
    pabulation paca pacation pace paco pact padding pail pain pained paintable pairment pais
    palative pale pall palla pallas pally palpation palter palus pament pant para paralysis
    parament parasite parcener pard pardoner pare parentage parental pari parka parky parlance
    parlando parr parse part partaker parter pash passee passer passingly paste pasty patch pate
    paternal path patio pause pave pavement pawk peach peak peal pean pear pearmain peastone
    peat peck peculation peek peel peen peep peery pell pelleted peltated pend pennsylvanian
    pent pentacle percept perceptible perceptive perdition perfective performable perk permeant
    pervious pest peter petition phare philadelphian philadelphus phlogistic phocenic phocenin
    phonoscope photoscope physically physician pick pictorial pictoric pictorical pictural
    pictured picturer picturize pier pike piked pill pilot pimple pine pink pinking pinus pipe
    pise piss pist pith pity placation plack plaga plaiding planking plantable plat playa
    pleading please pleasing pleasure plication plicature plight plod plodding plop plow plower
    ploy ployment plug plum plumbing plumiped plump plunger plush pluvious pock poculent poet
    poke poker polder poler politize polt pome pomp pone pooh pool poon poop poorness populator
    pore porer poristic pork porrect porrection port ported portioner pose poser posit
    positional positively positure poss posse postilion postulation posy potation potentially
    potentiate potentize pother potion pott pottery pour pout powder powdered praecipe praise
    prank prase prate prater preach preacher preaching preaction precative precedent precinct
    precious precipe predation predicant predicate predication predictional predictive predictor
    predilect predilection prelate prelatize prelection premious prenatal prescient prescindent
    presence presensation presentative presentee presenter presently preservation presidence
    presidency presidential presider pressing prestable prestation prevent previously prier
    principally principate principia principle prion priory prizable procerity prodition produce
    producent producer production productus proem profection projectile projector promotion prop
    properly proportional proposition propulsation proreption prose prosecution prospection
    prosperity protection prove provection provident prow prowling puck pull pump puncture
    puniness punition punitive purchaser pure puree purger purging purre purse pursiness puss
    pyroscope quaintise quakerly quarrier quartane quartered quartern quartet quartine quartzite
    queintise quilling quilt quilting quinible quintole quintuple quite race rach racing rack
    racking radio rafter rage raging raia raiae raid rail railing rainy rais raiser raising rake
    raking rale rally rana rance rand randing rang ranger rangle rangy rani ranker rant rape
    rare rase rash rasse rata ratch ratel rater rath rathe ration rave ravin raving raze reach
    reaction reactive read readable readership readjust reak realm ream reap rear reascent
    reassure reave rebate recant recency recenter recently rechange recite reck recline recliner
    recoction recorder recreant recreate rectal rector recurrent redaction reddition redistrict
    redtail reducent reducer reduct reductive reel refashion refection refective refigure
    reflection reflective refraction reft refutable regal regather regelate regent regiment
    regional regnancy regrowth regulate regulative reimport rein reincrease reinduce reinsert
    reinvest reinvestment reis reit rejection relade relater relation relatively relaxative
    relegate relent reliable reliance relicted reliction religion relocate relocation relove
    relucent remeasure remission remodify remord remote removed remover renable renal rend
    render rendible renewable renter repace repayment repent repletive repopulation reporter
    reposition represent representation repurchase reputable resail resection resent reside
    residence residency resident residenter residentiary resin resolution resonance resorb
    resorter respiration rest restate restaurate restrict retable retailer retain retainal
    retent reticent retort retranslate returner revaluation revel revenge revenger reverend
    reversed revery revolution reword rial rice rick ridden ride riden ridgel ridgy riding rife
    rigger right rile rill rime rimple rind rine rink rinse ripe ripen riser rist rite rive
    riven roam roan roasting robe rockwood rode rodge rogation roke role romp rong rood roof
    rook roomy roon roorback root rope roral roseroot roset rosewort rosiness ross rosy rotal
    rotation rotative rote rother roue roup rouse rousing rove rover rower ruin rumble rump runt
    ruse rushiness rusk rustiness ryal sable sack sackage safe sage said sail sailing sain sake
    salading sale sally salm salp saltation salter salty salutation salvation salve same
    samphire sample sand sane sang sans sark sart sash sate satiation sault saurel saut saver
    scare scarring scat scimitar scission scoke scolding scone scoot scope scorer scorn scorse
    scot scow scrip scry seak seal seam sean sear seat seating seave seck sectator sectoral
    sedation sedative sediment seduce seduction seed seel seer segmental segmented segregate
    seid seignior seize selection selector self seminate sender sensibility sensor sent sepiment
    seraphic sere serf serge seriation sermonet serry servile servite sess setter settle severy
    sewer sewerage sext shack shade shake shale shalt shame shank shape shard sharer shark sharp
    shave shearing shearman sheather sheen sheep sheer sheeting shell shend shide shill shin
    ship shipping shire shirt shoat shocking shod shode shoe shog shole shoo shooi shook shoop
    shooting shop shoppish shore shorling shorn shortening shote shout show shriek shrine
    shrinker shrinkingly shriving shuck shut sibilate sice sick sida sided sideling sider siding
    sidle sift sigger sigh sigher sight sigla sike sile silk sill silt silverware sima similarly
    simile similor simpler simply simular simulator sine sing singe singing singsing sinsring
    sinuation sinus sipe sire sise siss sist sith sithe situation sized sizer sizy skat skate
    skeet skid skink skip slade slake slank slap slapping slat slate slave sleave sled sledding
    sleeping sleet slender slice slick slicking slider slight slim slime slink slipper slippered
    slippery slit slitting slive slock slop slot slow slum slumpy sluttery smack small smallish
    smallness smalt smell smeller smit smite smithing smock smoothing smoothly smore snack
    snapping snare snaw sned snell snew snide snip snite snob snod snore snort snot snowl snowy
    soar sock sofa soft softener softling soke solder solid solution some sond soot sooth
    soothing sopition sopping sora sorb sore sori sorn sorter sory soss sotted sough sour
    southing sower sown spade spae spale spalt spane spaniard spank spanking spare spark spat
    spate spattle spearmint spece speer spell spend spending spherule spice spiculate spied
    spiky spile spine spined spink spinning spiration spire spired spirt spirulate spite spoke
    spong spoor spore sporulation spot spout spraints spring springal springe springer springing
    springle springy sprinkling spry spuke spurge spurling spurt squaller squame squarely
    squarer squatter squire squirter stab stable stackage stacte stade stag stage staggard staid
    stake stale stalk staller stalling stallion standage stane stang stank stannary star stare
    stark starless starlight start stasimon stated stater stational stationer statue stave staw
    stay stealthy steam stell stere stet stick sticking stigma stime stimulate stimulation
    stinging stink stinkard stinking stippling stipulate stipulation stirless stirp stoat stocky
    stogy stoke stole stond stone stonegall stoneware stony stook stooping stope stopping storer
    storge stork storm stormy stot stove stow straggling straighten straightly straining strand
    strap strass stre streaked stria striation strid striking stringent stripe stripping strix
    strongish strop stroy structure stubbled stuck stumble stumbler stump sturtion stut
    styptical suave submit subnormal subulate such suctoria sudation sufficient suine suit sull
    summarily summery summist summity sump sunder sung sunk sunn sunna superman surbed surcease
    sure surgy suture swale sware swat swatch sweating sweet sweeting swell swink swipe swore
    syrt tabler tablet tack tactility tail tailing tain taken taker tale taliation talk tall
    talpa tame tamp tampan tana tanak tang tanka tapa tape tappen tare task tasse tasset tath
    tawer teach teaching tead teague teak teal tear tease teat teem teest teething tegument tell
    temperate temperative tenantry tend tender tenent tent tentacle tenter tercelet tercine
    tergeminate term terminable terminal terminant terminative terminator terrible tertiate
    testa testable testate testation teste testy tetric tetter text thack thai thana thane thar
    thave thaw then thick thigh thill thine thing think thinking thio thirl this thole thranite
    throwing thumping tice tide tights tile till tilter timbering timberling timer tincture tind
    tine tink tinkling tipping tirade tire toat tome tone tong took toom toon toonwood toot tope
    toper topical tore torn torse tort tory toss tost toter tother tottery towel towered towery
    towser towy toyer trace trackage traction tractory trader traduction train training
    trajection tram tramming transaction transferee transfix transform transhape transire
    transition translative translator translocation transmute transplace transudation transvert
    transvolation trave treacher tread treasure treasurer treatable treater tree trental tress
    tressed tressure triality trick trifling trilling trior trip tripping trite triunity trode
    tropical troubler troutlet trow truncated trussing tuck tumbler tump tumulate tunicate tunk
    tunny turbinate turkey twain twank tweak tweed tweel twelvemo twig twine twink twire twit
    tyke typo tyre udder umber unailing unbeavered unbit uncapped unceasing uncenter unchanged
    uncommercial uncompressed uncorrect uncreate uncreated uncumbered uncurrent unde undeclined
    underlayer undermaster undern underrate undertaker underwriter undipped undistressed undoer
    unearnest unencumber unending unentire unexpanded unfailing unfit ungained unhanged
    unhealthy unhidden uniat unincumbered unio unite unity unlaid unland unleavened unlettered
    unleveled unlikely unload unmortgaged unnotify unnumbered unoccupied unordered unpained
    unpaired unpeered unperforming unphysical unplaid unpraised unpredict unprojected unreached
    unreduced unrelated unrelative unrepaid unreverend unreversed unreverted unsaid unsevere
    unsevered unshocked unshrinking unsimple unsinking unslipping unsoftened unsorted
    unsufficient unsurging untenant untressed untroubled unweakened upgrowth uphand uplander
    uplead uprising upwards uranite urate urea ureal urge urite utas vacantly vacation vacuation
    vagrancy vague vail vain valance vale valiance valiancy validation vallancy vallation
    valuator valued valuer valve vantage vaporate vapulation variation vase vast vastation veal
    vector veda veer veery vegetive velate vell velveting vend vender vent ventage venter verd
    verge vergency verminate verse verve very vest vesta vestment victorian victorine victorium
    vidual viduation viking vill vine vintager viraginian vire virginal virginity visa vise
    visto visualizer vitalization vitalize vitta vocation volition volitive volley volutation
    volution vomit vomition vomitive vower wadding wade wader wafer waft wafter wage wager wail
    wain wait waiter wake waken wakening waker waler walk wall walling walter waltz wand wane
    want wany ware wark wart wase wash washboard washhouse wast waster waterage watery watt wave
    waver weakener weakness weal wealthy wean weaponed wear weathered weatherly weave weazen
    week weet weft weka welk well welt wend wene wept were wert westy wether whale whan whap
    wheat whet while whin whipping whisking whit white whitebill whitening whitetail whitewall
    whooping whopping whore whort whose wick wideness width wield wife wight wild wildering wile
    will wilt wimple wince windy wine wing wink winy wiper wiry wise wiseling wish wisse wist
    witch wite withe withouten withy wive wizen wizened wode woke wone wong wont woolding
    wordbook worder wore work workfolk workhouse workroom worsen worser wort worth wove wreak
    wreathen wrest wretched writ writable writer writhe wrote wull wust wynd wype yank yardland
    yark yate yean yeara yearn yeast yell yerk yest yite yoke yolk yore youth zain zany zeal
    zend zest zink zoic zoned
""".split()  # noqa: SIM905 - a word list reads best as text
)
