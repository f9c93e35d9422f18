package tsapitest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/tsapitest"
)

// filterServer holds five jobs with chosen values.
func filterServer(t *testing.T) *tsapitest.Server {
	srv, _ := setup(t)
	pr := seedJobs(t, srv, 0)
	for _, j := range []tsapitest.Job{
		{ID: 1, State: "Completed", RunLevel: "default", GridEngineJobID: i64(-1),
			StartTime: tm("2017-08-09T20:26:03.549123Z"), EndTime: tm("2017-08-09T21:00:00Z"), Config: map[string]any{"zip": "on", "n": 1}},
		{ID: 2, State: "Queued", RunLevel: "pre", GridEngineJobID: i64(20002)},
		{ID: 3, State: "Started", RunLevel: "block", GridEngineJobID: i64(20003), StartTime: tm("2017-08-10T01:02:03Z"),
			Config: map[string]any{"ratio": 1.5}},
		{ID: 4, State: "Timed Out", RunLevel: "last", StartTime: tm("2018-01-01T00:00:00Z"), EndTime: tm("2018-01-02T00:00:00Z"),
			Config: map[string]any{"Zip": "x"}},
		{ID: 5, State: "True", RunLevel: "post", GridEngineJobID: i64(0)},
	} {
		j.PluginResult = pr
		srv.AddJob(j)
	}
	return srv
}

func TestFilterLookups(t *testing.T) {
	srv := filterServer(t)
	q := url.QueryEscape
	for query, want := range map[string][]int64{
		"":                                        {5, 4, 3, 2, 1},
		"state=Completed":                         {1},
		"state__exact=Completed":                  {1},
		"state__iexact=completed":                 {1},
		"state__contains=ed":                      {4, 3, 2, 1},
		"state__contains=ED":                      {},
		"state__icontains=ED":                     {4, 3, 2, 1},
		"state__in=Queued,Started":                {3, 2},
		"state__in=Queued&state__in=Completed":    {2, 1},
		"state__in=":                              {},
		"state__startswith=Q":                     {2},
		"state__istartswith=q":                    {2},
		"state__endswith=ted":                     {3, 1},
		"state__iendswith=TED":                    {3, 1},
		"state__regex=" + q("^(Queued|Started)$"): {3, 2},
		"state__iregex=" + q("^queued$"):          {2},
		"state__gt=R":                             {5, 4, 3},
		"state__gte=Started":                      {5, 4, 3},
		"state__lt=D":                             {1},
		"state__lte=Queued":                       {2, 1},
		"state__range=Q,S":                        {2},
		"state=true":                              {5}, // "true" is True, which a CharField stores as "True"
		"state=none":                              {},
		"state__isnull=false":                     {5, 4, 3, 2, 1},
		"state=Completed&state=Queued":            {2}, // the last value wins
		"id=3":                                    {3},
		"id__in=1,3,9":                            {3, 1},
		"id__gt=3":                                {5, 4},
		"id__gte=3":                               {5, 4, 3},
		"id__lt=2":                                {1},
		"id__lte=2":                               {2, 1},
		"id__range=2,4":                           {4, 3, 2},
		"id=true":                                 {1},
		"id=%2B3":                                 {3},
		"id__contains=3":                          {3},
		"id__regex=" + q("^[24]$"):                {4, 2},
		"id__startswith=1":                        {1},
		"id__endswith=5":                          {5},
		"grid_engine_jobid=none":                  {4},
		"grid_engine_jobid=None":                  {4},
		"grid_engine_jobid=nil":                   {4},
		"grid_engine_jobid__isnull=true":          {4},
		"grid_engine_jobid__isnull=false":         {5, 3, 2, 1},
		"grid_engine_jobid__isnull=0":             {4}, // a non-empty string is true
		"grid_engine_jobid=-1":                    {1},
		"grid_engine_jobid__lt=0":                 {1},
		"grid_engine_jobid=false":                 {5},
		"grid_engine_jobid__in=20002,20003":       {3, 2},
		"grid_engine_jobid__contains=-":           {1},
		"starttime__isnull=true":                  {5, 2},
		"starttime__gt=" + q("2017-08-09T20:26:03.549123+00:00"):  {4, 3},
		"starttime__gte=" + q("2017-08-09T20:26:03.549123+00:00"): {4, 3, 1},
		"starttime=" + q("2017-08-09T22:26:03.549123+02:00"):      {1},
		"starttime__lt=2017-08-10":                                {1},
		"starttime__lt=" + q("2017-08-09 21:00"):                  {1},
		"starttime__year=2018":                                    {4},
		"starttime__month=8":                                      {3, 1},
		"starttime__day=10":                                       {3},
		"starttime__week_day=4":                                   {1}, // a Wednesday (Sunday is 1)
		"starttime__hour=1":                                       {3},
		"starttime__minute=2":                                     {3},
		"starttime__second=3":                                     {3, 1},
		"starttime__range=2017-08-10,2018-01-01":                  {4, 3},
		"starttime__contains=" + q("2017-08-09 20"):               {1}, // PostgreSQL's text of a timestamptz
		"starttime__endswith=" + q("+00"):                         {4, 3, 1},
		"endtime__isnull=true":                                    {5, 3, 2},
		"config__contains=zip":                                    {1},
		"config__icontains=zip":                                   {4, 1},
		"config=":                                                 {5, 2},
		"config__contains=" + q(`"ratio":1.5`):                    {3},
		"run_level__in=pre,post":                                  {5, 2},
		// Unknown names are ignored: everything matches.
		"plugin_result=99":              {5, 4, 3, 2, 1},
		"foo=bar":                       {5, 4, 3, 2, 1},
		"limit=20&offset=0&format=json": {5, 4, 3, 2, 1},
	} {
		t.Run(query, func(t *testing.T) {
			a := do(t, srv, "GET", "PluginResultJob/?"+query, "")
			require.Equal(t, 200, a.status, a.body)
			assert.Equal(t, want, ids(t, a))
			assert.Equal(t, float64(len(want)), a.json(t)["meta"].(map[string]any)["total_count"])
		})
	}
}

func TestFilterErrors(t *testing.T) {
	srv := filterServer(t)
	canned := `{"error_message": "Sorry, this request could not be processed. Please try again later."}`
	mismatch := `{"error": "Invalid resource lookup data provided (mismatched type)."}`
	for query, want := range map[string]struct {
		status int
		body   string
	}{
		"id=abc":                               {400, mismatch},
		"id__in=1,x":                           {400, mismatch},
		"grid_engine_jobid__gt=none":           {400, mismatch},
		"starttime__year=abc":                  {400, mismatch},
		"state__contains=None":                 {400, mismatch},
		"resource_uri=x":                       {400, `{"error": "The 'resource_uri' field does not allow filtering."}`},
		"state__foo=x":                         {400, `{"error": "The 'state' field does not support relations."}`},
		"starttime__date=2017-01-01":           {400, `{"error": "The 'starttime' field does not support relations."}`},
		"starttime__gt=garbage":                {500, canned}, // a Django ValidationError: 500 on the Torrent Server
		"starttime=true":                       {500, canned},
		"state__in=true":                       {500, canned},
		"id__range=1":                          {500, canned},
		"state__search=x":                      {500, canned},
		"state__year=2017":                     {500, canned},
		"state__regex=" + url.QueryEscape("("): {500, canned},
	} {
		t.Run(query, func(t *testing.T) {
			a := do(t, srv, "GET", "PluginResultJob/?"+query, "")
			assert.Equal(t, want.status, a.status)
			assert.JSONEq(t, want.body, a.body)
			assert.Equal(t, "application/json", a.header.Get("Content-Type"))
		})
	}
}

func TestFilterPluginResults(t *testing.T) {
	srv, _ := setup(t)
	require.NoError(t, srv.LoadSeedFile("../testdata/seed.json"))
	count := func(query string) (int, []int64) {
		a := do(t, srv, "GET", "pluginresult/?limit=0&"+query, "")
		require.Equal(t, 200, a.status, a.body)
		return int(a.json(t)["meta"].(map[string]any)["total_count"].(float64)), ids(t, a)
	}
	// One row per matching job, as Django's join gives them.
	n, got := count("plugin_result_jobs__state__in=Queued,Started")
	running := 0
	distinct := map[int64]bool{}
	for _, j := range srv.Jobs() {
		if j.State == "Queued" || j.State == "Started" {
			running++
			distinct[j.PluginResult] = true
		}
	}
	assert.Equal(t, running, n)
	assert.Len(t, got, running)
	assert.Less(t, len(distinct), running)

	n, got = count("plugin__name=sampleID")
	want := []int64{}
	prs := srv.PluginResults()
	for i := len(prs) - 1; i >= 0; i-- {
		if prs[i].Plugin == 3 {
			want = append(want, prs[i].ID)
		}
	}
	assert.Equal(t, len(want), n)
	assert.Equal(t, want, got)
	n, _ = count("result=102")
	assert.Equal(t, 10, n)
	n, _ = count("owner__username=ionuser")
	assert.Equal(t, 7, n)
	n, _ = count("result__resultsName__endswith=_103&plugin__name=variantCaller")
	assert.Equal(t, 3, n)
	n, _ = count("plugin_result_jobs=5")
	assert.Equal(t, 1, n)

	a := do(t, srv, "GET", "pluginresult/?state=Queued", "")
	assert.Equal(t, 400, a.status)
	assert.JSONEq(t, `{"error": "The 'state' field does not allow filtering."}`, a.body)
	a = do(t, srv, "GET", "pluginresult/?order_by=state", "")
	assert.JSONEq(t, `{"error": "The 'state' field does not allow ordering."}`, a.body)
	a = do(t, srv, "GET", "pluginresult/?order_by=-size&limit=3", "")
	require.Equal(t, 200, a.status)
	sizes := []string{}
	for _, o := range a.json(t)["objects"].([]any) {
		sizes = append(sizes, o.(map[string]any)["size"].(string))
	}
	assert.Len(t, sizes, 3)
	assert.True(t, strings.Compare(sizes[0], "") != 0)

	// plugin: active plugins only, filters on its fields.
	a = do(t, srv, "GET", "plugin/?active=false", "")
	assert.Equal(t, []int64{}, ids(t, a))
	a = do(t, srv, "GET", "plugin/?name=sampleID", "")
	assert.Equal(t, []int64{3}, ids(t, a))
	a = do(t, srv, "GET", "plugin/?version__startswith=5.18", "")
	assert.Equal(t, []int64{3, 2, 1}, ids(t, a))
	a = do(t, srv, "GET", "plugin/4/", "")
	assert.Equal(t, 404, a.status)
	assert.Equal(t, "", a.body)
}
