extension PageTemplates {
    /// `/quality`: decisions per day, the score histograms with their thresholds, and what-if.
    /// The charts are SVG drawn by the server (`SVGChart`), the only unescaped values.
    static let quality = """
        {{<layout}}
        {{$content}}
        <h1>Quality</h1>
        <form method="get" action="/quality" class="filters">
          <label for="since">Window: since</label>
          <input id="since" name="since" value="{{since}}" placeholder="30d">
          <button type="submit">Show</button>
        </form>
        <h2>Decisions per day (UTC)</h2>
        {{{dailyChart}}}
        <table>
          <thead><tr><th scope="col">Day</th><th scope="col">Decision</th><th scope="col">Reason</th><th scope="col">Decisions</th></tr></thead>
          <tbody>{{#daily}}<tr><td>{{day}}</td><td>{{decision}}</td><td>{{reason}}</td><td>{{decisions}}</td></tr>{{/daily}}</tbody>
        </table>
        <h2>Scores</h2>
        <div class="charts">{{#histograms}}<figure>{{{svg}}}</figure>{{/histograms}}</div>
        <h2>What if</h2>
        <p>Other thresholds or bands, applied to the window's decisions that have all three scores.</p>
        <form method="get" action="/quality" class="whatif">
          <input type="hidden" name="since" value="{{since}}">
          {{#fields}}<label for="{{name}}">{{label}}</label><input id="{{name}}" name="{{name}}" value="{{value}}" inputmode="decimal">{{/fields}}
          <button type="submit">Compare</button>
        </form>
        {{#whatIf}}
        <table>
          <thead><tr><th scope="col">Decided</th><th scope="col">Would be</th><th scope="col">Decisions</th></tr></thead>
          <tbody>{{#rows}}<tr{{#changed}} class="changed"{{/changed}}><td>{{was}}</td><td>{{would}}</td><td>{{n}}</td></tr>{{/rows}}</tbody>
        </table>
        <p>{{moved}} of {{judged}} decisions would change.</p>
        {{/whatIf}}
        {{/content}}
        {{/layout}}
        """
}
