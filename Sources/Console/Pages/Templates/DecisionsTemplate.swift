extension PageTemplates {
    /// `/`: decisions, newest first, filtered and paged.
    static let decisions = """
        {{<layout}}
        {{$content}}
        <h1>Decisions</h1>
        <form method="get" action="/" class="filters">
          <label for="decision">Decision</label>
          <select id="decision" name="decision">
            <option value="">any</option>
            {{#decisionOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/decisionOptions}}
          </select>
          <label for="nextAction">Next action</label>
          <select id="nextAction" name="nextAction">
            <option value="">any</option>
            {{#nextActionOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/nextActionOptions}}
          </select>
          <label for="reason">Reason</label>
          <input id="reason" name="reason" value="{{reason}}" placeholder="liveness_failed">
          <label for="subject">Subject</label>
          <input id="subject" name="subject" value="{{subject}}">
          <label for="since">Since</label>
          <input id="since" name="since" value="{{since}}" placeholder="24h or 2026-12-01T00:00:00Z">
          <label for="until">Until</label>
          <input id="until" name="until" value="{{until}}">
          <button type="submit">Filter</button>
          <a href="/">Clear</a>
        </form>
        {{^rows}}<p>No decisions match.</p>{{/rows}}
        {{#hasRows}}
        <table>
          <thead><tr><th scope="col">Decided (UTC)</th><th scope="col">Request</th><th scope="col">Subject</th><th scope="col">Decision</th><th scope="col">Reasons</th><th scope="col">Next action</th><th scope="col">Revision</th></tr></thead>
          <tbody>
          {{#rows}}
          <tr>
            <td>{{processedAt}}</td>
            <td><a href="/decisions/{{path}}">{{requestId}}</a></td>
            <td>{{subject}}</td>
            <td><span class="decision {{decision}}">{{decision}}</span></td>
            <td>{{reasons}}</td>
            <td>{{nextAction}}</td>
            <td>{{revision}}</td>
          </tr>
          {{/rows}}
          </tbody>
        </table>
        {{/hasRows}}
        {{#older}}<p class="paging"><a href="{{older}}" rel="next">Older decisions →</a></p>{{/older}}
        {{/content}}
        {{/layout}}
        """
}
